/**
 * Test certificates made with the `openssl` command (Debian's openssl): a CA, a server certificate
 * for localhost/127.0.0.1, client certificates (good, from another CA, expired, not yet valid),
 * and a server certificate for the wrong host. Files land in a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './harness.js';

/** Paths of the PEM files a TLS test needs. */
export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  /** A server certificate for another host name (signed by the CA). */
  wrongHostCert: string;
  wrongHostKey: string;
  /** A client certificate (CN=ci-runner) signed by the CA, and its key. */
  clientCert: string;
  clientKey: string;
  /** A client certificate from another CA. */
  otherCaClientCert: string;
  otherCaClientKey: string;
  /** Client certificates signed by the CA whose validity ended, or has not begun. */
  expiredClientCert: string;
  futureClientCert: string;
  /** Key of the expired and future certificates. */
  datedClientKey: string;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(
      `openssl ${args.join(' ')} failed (is openssl installed? apt-get install openssl): ${e.stderr ?? e.message}`,
    );
  }
}

/** A new key pair and a certificate signing request for `subject`. */
function request(dir: string, name: string, subject: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
}

function selfSignedCa(dir: string, name: string, cn: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
  ]);
}

function sign(dir: string, name: string, ca: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

/** Signs with explicit validity dates (YYYYMMDDHHMMSSZ) through `openssl ca`. */
function signDated(dir: string, name: string, ca: string, start: string, end: string): void {
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nserial = serial\nnew_certs_dir = .\ndefault_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n[client]\nextendedKeyUsage = clientAuth\n`,
  );
  openssl(dir, [
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    `${ca}.pem`,
    '-keyfile',
    `${ca}.key`,
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
    '-startdate',
    start,
    '-enddate',
    end,
    '-extensions',
    'client',
    '-notext',
  ]);
}

/** Makes every certificate a TLS test needs. */
export function makeCerts(): TestCerts {
  const dir = tempDir('hpo-certs-');
  selfSignedCa(dir, 'ca', 'hpo test CA');
  selfSignedCa(dir, 'other-ca', 'another CA');
  request(dir, 'server', '/CN=localhost');
  sign(dir, 'server', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  request(dir, 'wrong-host', '/CN=elsewhere.example');
  sign(dir, 'wrong-host', 'ca', 'subjectAltName=DNS:elsewhere.example\nextendedKeyUsage=serverAuth\n');
  request(dir, 'client', '/CN=ci-runner');
  sign(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  request(dir, 'other-client', '/CN=ci-runner');
  sign(dir, 'other-client', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  request(dir, 'dated', '/CN=ci-runner');
  signDated(dir, 'dated', 'ca', '20200101000000Z', '20200102000000Z');
  execFileSync('mv', [join(dir, 'dated.pem'), join(dir, 'expired.pem')]);
  signDated(dir, 'dated', 'ca', '20991231000000Z', '21000101000000Z');
  execFileSync('mv', [join(dir, 'dated.pem'), join(dir, 'future.pem')]);
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    wrongHostCert: p('wrong-host.pem'),
    wrongHostKey: p('wrong-host.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    otherCaClientCert: p('other-client.pem'),
    otherCaClientKey: p('other-client.key'),
    expiredClientCert: p('expired.pem'),
    futureClientCert: p('future.pem'),
    datedClientKey: p('dated.key'),
  };
}
