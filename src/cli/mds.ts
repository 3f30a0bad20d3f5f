import type { Command } from 'commander';
import { AppError } from '../common/errors.js';
import { inspectMds } from '../passkeys/attestation-trust.js';
import type { CliContext } from './context.js';
import { printJson } from './shared.js';
import { UsageError } from './usage-error.js';

/**
 * `latchkey mds import FILE [--root PEM]`: checks a FIDO MDS3 BLOB the operator
 * downloaded (its chain to the FIDO root, its signature, its payload) exactly as start-up
 * will, and reports what it holds. Nothing is fetched and nothing is stored: point
 * LATCHKEY_FIDO_MDS_FILE at the file once it passes.
 */
export function mdsCommands(program: Command, ctx: CliContext): void {
  const mds = program.command('mds').description('FIDO Metadata Service BLOB (attestation trust for phrh)');
  mds
    .command('import')
    .description('check an MDS3 BLOB file against the FIDO root and report its entries, next update and statuses')
    .argument('<file>', 'the BLOB (a JWT) as downloaded from the FIDO Metadata Service')
    .option('--root <pem>', 'PEM file of the FIDO root the BLOB chains to (default: LATCHKEY_FIDO_MDS_ROOT)')
    .option('--json', 'print JSON', false)
    .action(async (file: string, opts: { root?: string; json: boolean }) => {
      const rootPath = opts.root ?? ctx.config.attestation.mdsRoot;
      if (!rootPath) throw new UsageError('give the FIDO root: --root PEM_FILE, or set LATCHKEY_FIDO_MDS_ROOT');
      let report;
      try {
        report = inspectMds(ctx.readFile(file), ctx.readFile(rootPath), new Date());
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('mds.invalid', `${file}: ${(err as Error).message}`, { status: 400, expose: true });
      }
      const today = new Date().toISOString().slice(0, 10);
      const view = { no: report.no, entries: report.entryCount, nextUpdate: report.nextUpdate, stale: report.nextUpdate < today, statuses: report.statusCounts() };
      if (opts.json) return printJson(ctx, view);
      ctx.out(`valid MDS BLOB no. ${view.no}: ${view.entries} entries, next update ${view.nextUpdate}${view.stale ? ' (past: download a newer BLOB)' : ''}\n`);
      for (const [status, count] of Object.entries(view.statuses).sort()) ctx.out(`  ${status}\t${count}\n`);
      ctx.out('Set LATCHKEY_FIDO_MDS_FILE to this file (and LATCHKEY_FIDO_MDS_ROOT to the root) and restart Latchkey.\n');
    });
}
