import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Apache and its OpenID Connect module: a relying party nobody on the team wrote. */
const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
const OPENIDC = `${MODULES}/mod_auth_openidc.so`;

export function apacheAvailable(): boolean {
  return existsSync(APACHE) && existsSync(OPENIDC);
}

export interface RunningApache {
  url: string;
  errorLog(): string;
  stop(): Promise<void>;
}

export { freePort } from './own-stores.js';

/**
 * Starts a private Apache on loopback (own port, config, logs and runtime directory),
 * serving `files` under the document root, with the `site` configuration lines (the
 * OIDC settings). Resolves once Apache answers.
 */
export async function startApache(port: number, files: Record<string, string>, site: string): Promise<RunningApache> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-apache-'));
  // Apache's workers run as www-data when started as root: they must read the tree.
  chmodSync(dir, 0o755);
  const htdocs = join(dir, 'htdocs');
  for (const [path, body] of Object.entries(files)) {
    const target = join(htdocs, path);
    mkdirSync(join(target, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(target, body, { mode: 0o644 });
  }
  const url = `http://localhost:${port}`;
  const runAs = process.getuid?.() === 0 ? 'User www-data\nGroup www-data\n' : '';
  writeFileSync(
    join(dir, 'httpd.conf'),
    `ServerRoot "${dir}"
DefaultRuntimeDir "${dir}"
PidFile "${dir}/httpd.pid"
Mutex file:${dir} default
Listen 127.0.0.1:${port}
ServerName localhost
${runAs}ErrorLog "${dir}/error.log"
LogLevel warn auth_openidc:info
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule mime_module ${MODULES}/mod_mime.so
LoadModule dir_module ${MODULES}/mod_dir.so
LoadModule auth_openidc_module ${OPENIDC}
TypesConfig /etc/mime.types
DirectoryIndex index.html
DocumentRoot "${htdocs}"
<Directory "${htdocs}">
  Require all granted
</Directory>
${site}
`,
    { mode: 0o644 },
  );
  const child: ChildProcess = spawn(APACHE, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const errorLog = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '') + stderr;

  // Ready when it answers; fail at once when it exits (a config error).
  const deadline = Date.now() + 30_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      try {
        await fetch(`${url}/`, { redirect: 'manual' });
        return;
      } catch {
        // Not listening yet: ask again shortly (a readiness probe, bounded by the deadline).
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`Apache did not answer within 30 s:\n${errorLog()}`);
  })();
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
  if (outcome === 'exited') throw new Error(`Apache did not start:\n${errorLog()}`);

  return {
    url,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
