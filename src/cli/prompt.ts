import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** Reads a line from the terminal without echoing it (raw mode: no readline internals). */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    function onData(chunk: string) {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          return reject(new UsageError('cancelled'));
        }
        value = ch === '\u007f' || ch === '\b' ? [...value].slice(0, -1).join('') : value + ch;
      }
    }
    stdin.on('data', onData);
  });
}

/** The password from the flag, else a hidden prompt on a terminal, else stdin. */
export async function readPassword(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  if (!process.stdin.isTTY) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  return promptHidden('Password: ');
}

