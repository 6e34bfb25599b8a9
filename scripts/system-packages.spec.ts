import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIST, installCommand, installedPackages, missingPackages, parsePackageList } from './system-packages';

interface Listed {
  name: string;
  purpose: string;
}

const LIST = `# a comment line
redis-server    # throwaway Redis (test/infra/redis-server.ts)

gcc             # compiles the mock broker
libc6-dev
`;

/** dpkg-query -W -f='${Package}\t${Status}\n' answers only for packages dpkg knows, as here. */
function fakeDpkg(lines: Record<string, string>): { query(names: string[]): string; asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    query: (names) => {
      asked.push(names);
      return names
        .filter((n) => n in lines)
        .map((n) => `${n}\t${lines[n]}\n`)
        .join('');
    },
  };
}

describe('parsePackageList', () => {
  it('reads one name per line with its comment as the purpose, skipping comments and blank lines', () => {
    expect(parsePackageList(LIST)).toEqual([
      { name: 'redis-server', purpose: 'throwaway Redis (test/infra/redis-server.ts)' },
      { name: 'gcc', purpose: 'compiles the mock broker' },
      { name: 'libc6-dev', purpose: '' },
    ]);
  });

  it('accepts CRLF line ends and Debian names with + and .', () => {
    expect(parsePackageList('libstdc++6 # c++\r\nlibgtk-3.0\r\n').map((p: Listed) => p.name)).toEqual([
      'libstdc++6',
      'libgtk-3.0',
    ]);
  });

  it('rejects two names on a line, an invalid name and a duplicate, naming the line', () => {
    expect(() => parsePackageList('gcc\nredis-server redis-tools\n', 'list.txt')).toThrow(
      'list.txt:2: expected one Debian package name per line, got "redis-server redis-tools"',
    );
    expect(() => parsePackageList('Redis_Server\n', 'list.txt')).toThrow('list.txt:1: expected one Debian package');
    expect(() => parsePackageList('gcc\n# x\ngcc # again\n', 'list.txt')).toThrow('list.txt:3: gcc is listed twice');
  });

  it('parses the real list, where every package says which suite needs it', () => {
    const packages: Listed[] = parsePackageList(readFileSync(DEFAULT_LIST, 'utf8'));
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['redis-server', 'redis-tools', 'gcc', 'libc6-dev', 'pkg-config', 'librdkafka-dev']),
    );
    for (const p of packages) expect(p.purpose).not.toBe('');
  });
});

describe('installedPackages', () => {
  it('counts only the state "installed" (also on hold, also arch-qualified names)', () => {
    const output = [
      'gcc\tinstall ok installed',
      'libc6-dev:amd64\thold ok installed',
      'redis-server\tdeinstall ok config-files',
      'pkg-config\tinstall ok half-configured',
      'chromium\tunknown ok not-installed',
      '',
    ].join('\n');
    expect([...installedPackages(output)].sort()).toEqual(['gcc', 'libc6-dev']);
  });
});

describe('missingPackages', () => {
  it('asks dpkg once for every listed name and returns the ones not installed, in list order', () => {
    const dpkg = fakeDpkg({ gcc: 'install ok installed', 'redis-server': 'deinstall ok config-files' });
    expect(missingPackages(parsePackageList(LIST), dpkg.query).map((p: Listed) => p.name)).toEqual([
      'redis-server',
      'libc6-dev',
    ]);
    expect(dpkg.asked).toEqual([['redis-server', 'gcc', 'libc6-dev']]);
  });

  it('finds nothing missing when everything is installed, and asks nothing for an empty list', () => {
    const all = fakeDpkg({
      'redis-server': 'install ok installed',
      gcc: 'install ok installed',
      'libc6-dev': 'install ok installed',
    });
    expect(missingPackages(parsePackageList(LIST), all.query)).toEqual([]);
    const none = fakeDpkg({});
    expect(missingPackages([], none.query)).toEqual([]);
    expect(none.asked).toEqual([]);
  });

  it('picks up a package added to the list with one line', () => {
    const dpkg = fakeDpkg({
      'redis-server': 'install ok installed',
      gcc: 'install ok installed',
      'libc6-dev': 'install ok installed',
    });
    const packages = parsePackageList(`${LIST}nginx  # reverse proxy of a future suite\n`);
    expect(missingPackages(packages, dpkg.query)).toEqual([
      { name: 'nginx', purpose: 'reverse proxy of a future suite' },
    ]);
  });
});

describe('installCommand', () => {
  it('is apt-get update then a non-interactive install without recommends, with sudo for a user', () => {
    expect(installCommand(['redis-server', 'chromium'], true)).toBe(
      'sudo apt-get update && sudo apt-get install -y --no-install-recommends redis-server chromium',
    );
    expect(installCommand(['gcc'], false)).toBe('apt-get update && apt-get install -y --no-install-recommends gcc');
  });
});

describe('the test helpers and the list', () => {
  it('name only Debian packages that test/system-packages.txt lists', () => {
    const listed = new Set(parsePackageList(readFileSync(DEFAULT_LIST, 'utf8')).map((p: Listed) => p.name));
    const testDir = join(__dirname, '..', 'test');
    const named: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== '.artifacts' && entry.name !== 'fixtures') visit(path);
        else if (entry.name.endsWith('.ts')) {
          const source = readFileSync(path, 'utf8');
          for (const m of source.matchAll(
            /(?:requireCommand|requireExecutable|missingPackageError)\([^,)]+,\s*'([^']+)'\)/g,
          )) {
            named.push(m[1] as string);
          }
        }
      }
    };
    visit(testDir);
    expect(named).toEqual(expect.arrayContaining(['redis-server', 'redis-tools', 'gcc', 'librdkafka-dev', 'chromium']));
    expect(named.filter((name) => !listed.has(name))).toEqual([]);
  });
});
