import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './throwaway-cluster';

export type TestLdapPerson = {
  uid: string;
  mail: string;
  givenName: string;
  sn: string;
  password: string;
  /** The organisation attribute (o). */
  organisation?: string;
  /** Group names (cn) under ou=groups the person is a member of. */
  groups?: string[];
  /**
   * slapd has no Active Directory userAccountControl: a disabled account is modelled with
   * employeeType=disabled, which the app finds with LDAP_DISABLED_FILTER=(employeeType=disabled).
   */
  disabled?: boolean;
};

export type TestLdapServer = {
  /** ldap://127.0.0.1:<port> (StartTLS offered) */
  url: string;
  /** ldaps://localhost:<port> */
  tlsUrl: string;
  /** The throw-away CA that signed the server certificate (for LDAP_CA_FILE). */
  caFile: string;
  baseDn: string;
  /** The service account's settings for the app (search-then-bind). */
  env: (extra?: Record<string, string>) => Record<string, string>;
  stop: () => Promise<void>;
};

export const slapdInstalled = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v slapd && command -v slapadd && command -v openssl'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const BASE_DN = 'dc=bergheide,dc=example';
const SERVICE_DN = `cn=kokoma-service,ou=service,${BASE_DN}`;
const SERVICE_PASSWORD = 'service-secret-for-tests';

function ldif(people: TestLdapPerson[]): string {
  const entries = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: bergheide\no: Stadt Bergheide`,
    `dn: ou=people,${BASE_DN}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${BASE_DN}\nobjectClass: organizationalUnit\nou: groups`,
    `dn: ou=service,${BASE_DN}\nobjectClass: organizationalUnit\nou: service`,
    `dn: ${SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: kokoma-service\nuserPassword: ${SERVICE_PASSWORD}`,
    ...people.map((person) =>
      [
        `dn: uid=${person.uid},ou=people,${BASE_DN}`,
        'objectClass: inetOrgPerson',
        `uid: ${person.uid}`,
        `cn: ${person.givenName} ${person.sn}`,
        `givenName: ${person.givenName}`,
        `sn: ${person.sn}`,
        `mail: ${person.mail}`,
        `userPassword: ${person.password}`,
        ...(person.organisation ? [`o: ${person.organisation}`] : []),
        ...(person.disabled ? ['employeeType: disabled'] : []),
      ].join('\n'),
    ),
  ];
  const groups = [...new Set(people.flatMap((person) => person.groups ?? []))];
  for (const group of groups) {
    const members = people.filter((person) => person.groups?.includes(group)).map((person) => `member: uid=${person.uid},ou=people,${BASE_DN}`);
    entries.push([`dn: cn=${group},ou=groups,${BASE_DN}`, 'objectClass: groupOfNames', `cn: ${group}`, ...members].join('\n'));
  }
  return `${entries.join('\n\n')}\n`;
}

/** A throw-away CA and a server certificate for localhost/127.0.0.1, made with openssl. */
function makeCertificates(directory: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => path.join(directory, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=KoKoMa Test CA', '-keyout', file('ca.key'), '-out', file('ca.crt'));
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('server.ext'), '-out', file('server.crt'));
  return { ca: file('ca.crt'), cert: file('server.crt'), key: file('server.key') };
}

function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`slapd exited (${child.exitCode}): ${output()}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) return reject(new Error(`slapd did not listen: ${output()}`));
        setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * Debian's OpenLDAP slapd with a throw-away configuration (slapd.conf, mdb backend) in a temp
 * directory, the people loaded with slapadd, listening on free loopback ports for ldap://
 * (with StartTLS) and ldaps://, with a certificate from a throw-away CA.
 */
export async function startLdapServer(people: TestLdapPerson[]): Promise<TestLdapServer> {
  if (!slapdInstalled) throw new Error("The LDAP tests start Debian's OpenLDAP server, which is not installed: apt-get install slapd ldap-utils openssl (no service needs to run; .ci/run installs it)");
  const directory = mkdtempSync(path.join(tmpdir(), 'kokoma-slapd-'));
  const certificates = makeCertificates(directory);
  const dataDirectory = path.join(directory, 'data');
  execFileSync('mkdir', ['-p', dataDirectory]);
  const config = path.join(directory, 'slapd.conf');
  writeFileSync(
    config,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `pidfile ${path.join(directory, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `TLSCACertificateFile ${certificates.ca}`,
      `TLSCertificateFile ${certificates.cert}`,
      `TLSCertificateKeyFile ${certificates.key}`,
      'access to attrs=userPassword by anonymous auth by * none',
      'access to * by * read',
      'database mdb',
      'maxsize 10485760',
      `suffix "${BASE_DN}"`,
      `rootdn "cn=admin,${BASE_DN}"`,
      'rootpw admin-secret-for-tests',
      `directory ${dataDirectory}`,
      '',
    ].join('\n'),
  );
  const data = path.join(directory, 'people.ldif');
  writeFileSync(data, ldif(people));
  execFileSync('slapadd', ['-f', config, '-l', data], { stdio: 'pipe' });
  const [port, tlsPort] = [await freePort(), await freePort()];
  let output = '';
  const child = spawn('slapd', ['-d', '0', '-f', config, '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForPort(port, child, () => output);
  await waitForPort(tlsPort, child, () => output);

  return {
    url: `ldap://127.0.0.1:${port}`,
    tlsUrl: `ldaps://localhost:${tlsPort}`,
    caFile: certificates.ca,
    baseDn: BASE_DN,
    env: (extra = {}) => ({
      LDAP_URL: `ldap://127.0.0.1:${port}`,
      LDAP_BIND_DN: SERVICE_DN,
      LDAP_BIND_PASSWORD: SERVICE_PASSWORD,
      LDAP_SEARCH_BASE: `ou=people,${BASE_DN}`,
      LDAP_GROUP_SEARCH_BASE: `ou=groups,${BASE_DN}`,
      LDAP_DISABLED_FILTER: '(employeeType=disabled)',
      LDAP_DOMAINS: 'bergheide.example',
      ...extra,
    }),
    stop: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
