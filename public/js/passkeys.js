// Passkey ceremonies for Latchkey's hosted pages. The page names its endpoint base in
// data-passkey-base; each button names its step in data-step (the same names as the
// server's step modules), and the ceremony posts to <base>/<step>/options and /verify.
// The server decides everything else (challenges, allowed credentials, what is next).
(() => {
  const root = document.querySelector('[data-passkey-base]');
  const lib = window.SimpleWebAuthnBrowser;
  if (!root || !lib) return;
  const base = root.dataset.passkeyBase;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const status = document.getElementById('passkey-status');

  function show(message) {
    if (!status) return;
    status.textContent = message;
    status.hidden = !message;
  }

  async function post(path, body) {
    const res = await fetch(base + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(data.message || 'Something went wrong. Try again.'), { code: data.error });
    return data;
  }

  function explain(err) {
    if (err && err.name === 'AbortError') return '';
    if (err && err.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
    if (err && err.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
    return (err && err.message) || 'Something went wrong. Try again.';
  }

  // WebAuthn L3 §5.1.10: the server answers `passkey.unknown_credential` only when no
  // account holds this credential id, so the browser's passkey provider may offer to
  // delete it. Feature-detected; a refusal changes nothing on the page.
  function signalUnknown(rpId, credentialId) {
    const PKC = window.PublicKeyCredential;
    if (!PKC || typeof PKC.signalUnknownCredential !== 'function' || !rpId) return;
    Promise.resolve()
      .then(() => PKC.signalUnknownCredential({ rpId, credentialId }))
      .catch(() => {});
  }

  async function authenticate(step, useBrowserAutofill) {
    const optionsJSON = await post(`/${step}/options`, {});
    const credential = await lib.startAuthentication({ optionsJSON, useBrowserAutofill });
    show('Checking your passkey…');
    try {
      const { redirect } = await post(`/${step}/verify`, { credential });
      window.location.assign(redirect);
    } catch (err) {
      if (err && err.code === 'passkey.unknown_credential') signalUnknown(optionsJSON.rpId, credential.id);
      throw err;
    }
  }

  async function register(step) {
    const optionsJSON = await post(`/${step}/options`, {});
    const credential = await lib.startRegistration({ optionsJSON });
    show('Saving your passkey…');
    const name = document.getElementById('passkey-name')?.value ?? '';
    const { redirect } = await post(`/${step}/verify`, { credential, name });
    window.location.assign(redirect);
  }

  for (const button of document.querySelectorAll('[data-step]')) {
    button.addEventListener('click', async (event) => {
      event.preventDefault();
      const step = button.dataset.step;
      const mode = button.dataset.passkeyMode ?? 'authenticate';
      show('');
      button.disabled = true;
      try {
        if (!lib.browserSupportsWebAuthn()) throw new Error('This browser does not support passkeys.');
        await (mode === 'register' ? register(step) : authenticate(step, false));
      } catch (err) {
        show(explain(err));
      } finally {
        button.disabled = false;
      }
    });
  }

  // Conditional mediation: passkeys offered in the email field's autofill. Submitting
  // the password form instead cancels the pending request cleanly.
  if (root.dataset.passkeyAutofill === 'true') {
    document.querySelector('form[data-password-form]')?.addEventListener('submit', () => lib.WebAuthnAbortService.cancelCeremony());
    lib.browserSupportsWebAuthnAutofill().then((supported) => {
      if (!supported) return;
      authenticate('passkey-sign-in', true).catch((err) => show(explain(err)));
    });
  }
})();
