import type { CsvReport } from '@hpo/core';

/**
 * How a CSV was read, in a few lines: the dialect, then each column by kind with its missing
 * count (and categories), so a column typed unexpectedly is seen before anything trains.
 */
export function columnSummary(report: CsvReport): string {
  const d = report.dialect;
  const delimiter = d.delimiter === '\t' ? 'tab' : `'${d.delimiter}'`;
  const encoding = `${d.encoding.toUpperCase()}${d.bom ? ' with BOM' : ''}`;
  const decimal = d.decimal === ',' ? ", decimal ','" : '';
  const lines = [
    `dataset ${report.file}: ${report.rows} rows, ${delimiter}-separated, ${encoding}${decimal}`,
  ];
  const group = (kind: CsvReport['columns'][number]['kind'], title: string) => {
    const cols = report.columns.filter((c) => c.kind === kind);
    if (cols.length === 0) return;
    const items = cols.map((c) => {
      const notes: string[] = [];
      if (c.categories !== undefined) notes.push(`${c.categories} value${c.categories === 1 ? '' : 's'}`);
      if (c.missing > 0) notes.push(`${c.missing} missing`);
      if (c.source === 'declared' && kind !== 'label') notes.push('declared');
      return notes.length ? `${c.name} (${notes.join(', ')})` : c.name;
    });
    lines.push(`  ${title} (${cols.length}): ${items.join(', ')}`);
  };
  group('numeric', 'numeric');
  group('categorical', 'categorical');
  group('ignored', 'ignored');
  group('label', 'label');
  return lines.join('\n');
}
