import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { treeFingerprint, watchTree } from './model-watch';

const tree = () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-watch-'));
  mkdirSync(join(root, 'scraping', '1.0.0'), { recursive: true });
  writeFileSync(join(root, 'scraping', '1.0.0', 'manifest.json'), '{}');
  return root;
};

describe('treeFingerprint', () => {
  it('changes when a file under detector/version changes, appears or goes', () => {
    const root = tree();
    const before = treeFingerprint(root);
    expect(treeFingerprint(root)).toBe(before);
    writeFileSync(join(root, 'scraping', '1.0.0', 'manifest.json'), '{"changed":true}');
    const edited = treeFingerprint(root);
    expect(edited).not.toBe(before);
    mkdirSync(join(root, 'scraping', '1.1.0'));
    writeFileSync(join(root, 'scraping', '1.1.0', 'model.json'), '{}');
    expect(treeFingerprint(root)).not.toBe(edited);
  });
});

describe('watchTree', () => {
  it('reports a burst of changes once, after it settles', async () => {
    const root = tree();
    let calls = 0;
    const w = watchTree(root, async () => void calls++, { debounceMs: 100, pollMs: 60_000 });
    try {
      for (let i = 0; i < 5; i++) writeFileSync(join(root, 'scraping', '1.0.0', 'manifest.json'), `{"v":${i}}`);
      await new Promise((r) => setTimeout(r, 400));
      expect(calls).toBe(1);
    } finally {
      w.close();
    }
  });

  it('finds a change by polling when no fs event comes', async () => {
    const root = tree();
    let calls = 0;
    // A debounce longer than the test: only the poll can see the change.
    const w = watchTree(root, async () => void calls++, { debounceMs: 60_000, pollMs: 50 });
    try {
      writeFileSync(join(root, 'scraping', '1.0.0', 'weights.bin'), 'x');
      await new Promise((r) => setTimeout(r, 300));
      expect(calls).toBe(1);
    } finally {
      w.close();
    }
  });
});
