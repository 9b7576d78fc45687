import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Cluster } from '@hpo/testing/processes';

const CH = Number(process.env.CH ?? 1048576);
const block = randomBytes(CH);
function* generate(total) {
  for (let i = 0; i * CH < total; i++) {
    const c = Buffer.from(block.subarray(0, Math.min(CH, total - i * CH)));
    c.writeUInt32LE(i, 0);
    yield c;
  }
}
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const cluster = await Cluster.start({ workers: 0, maxUploadMb: 600 });
const pid = cluster.coordinator.proc.pid;
const base = rss(pid);
let peak = base;
const t = setInterval(() => {
  peak = Math.max(peak, rss(pid));
}, 50);
const total = 500 * 1048576;
await new Promise((resolve) => {
  const stream = cluster.api().UploadDataset((err) => resolve(err));
  const chunks = generate(total);
  let first = true;
  const pump = () => {
    for (let n = chunks.next(); !n.done; n = chunks.next()) {
      const ok = stream.write({
        ...(first ? { sha256: 'b'.repeat(64), size: total, format: 'DATASET_FORMAT_CSV' } : {}),
        data: n.value,
      });
      first = false;
      if (!ok) {
        stream.once('drain', pump);
        return;
      }
    }
    stream.end();
  };
  pump();
});
clearInterval(t);
console.log(
  `chunk ${CH}: base ${(base / 1048576).toFixed(0)} MB peak +${((peak - base) / 1048576).toFixed(1)} MB`,
);
console.log(
  cluster.coordinator.log
    .split('\n')
    .filter((l) => l.includes('"mem"'))
    .join('\n'),
);
await cluster.stop();
