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
    head: ['parameter', 'type', 'domain', 'default', 'applies to'],
    style: { head: useColor() ? ['bold'] : [] },
  });
  for (const r of rows) table.push([r.name, r.type, r.domain, r.default, r.appliesTo]);
  process.stdout.write(
    `${table.toString()}\n` +
      'The domains are hard limits: a fixed value, a categorical choice or a range end outside them is\n' +
      "refused before a study starts. 'tables': preprocessing, used for tabular data only.\n" +
      'Search them under search.space, fix them under search.fixed (see `hpo schema`).\n',
  );
  return 0;
}
