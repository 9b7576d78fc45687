import { describeParams } from '@hpo/trainer/params';
import Table from 'cli-table3';
import { useColor } from '../output/style.js';

/** `hpo params`: every training parameter with its domain and default. */
export function paramsCommand(opts: { json?: boolean }): number {
  const rows = describeParams();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const table = new Table({
    head: ['parameter', 'domain', 'default'],
    style: { head: useColor() ? ['bold'] : [] },
  });
  for (const r of rows) table.push([r.name, r.domain, r.default]);
  process.stdout.write(
    `${table.toString()}\nSearch them under search.space, fix them under search.fixed (see \`hpo schema\`).\n`,
  );
  return 0;
}
