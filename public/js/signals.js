// WebAuthn Level 3 signals (§5.1.10) on the account page: tell the browser's passkey
// provider which of this account's passkeys Latchkey still accepts (one removed here
// disappears from the password manager too) and the account's current name and address.
// Feature-detected: a browser without these methods sees no difference. The data comes
// from the page (#webauthn-signals) and is only the signed-in account's own.
(() => {
  const el = document.getElementById('webauthn-signals');
  const PKC = window.PublicKeyCredential;
  if (!el || !PKC) return;
  const { rpId, userId, name, displayName } = el.dataset;
  let ids;
  try {
    ids = JSON.parse(el.dataset.acceptedIds || '');
  } catch {
    return;
  }
  if (!rpId || !userId || !Array.isArray(ids)) return;
  // A signal is advice to the provider: nothing on the page depends on it, so a refusal is ignored.
  const send = (method, options) => {
    if (typeof PKC[method] !== 'function') return;
    Promise.resolve()
      .then(() => PKC[method](options))
      .catch(() => {});
  };
  send('signalAllAcceptedCredentials', { rpId, userId, allAcceptedCredentialIds: ids });
  send('signalCurrentUserDetails', { rpId, userId, name, displayName });
})();
