// Issue 20: the "Learning reactors with the lab" page is in the docs site, its pictures exist and
// are the views scripts/screenshots.mjs takes, and every local link in docs/*.md resolves.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../packages/crawler/src/lab/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(join(root, 'docs/learning-with-the-lab.md'), 'utf8');

/** Local link targets of a Markdown file: [text](target) and ![alt](target), no URLs or anchors. */
function localLinks(md: string): string[] {
  // Outside fenced code blocks (a code sample's link is not the page's).
  const prose = md.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!.split('#')[0]!).filter((t) => t !== '' && !/^[a-z]+:/.test(t));
}

describe('docs/learning-with-the-lab.md', () => {
  it('is a typedoc project document (in the docs site)', () => {
    const typedoc = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { projectDocuments: string[] };
    expect(typedoc.projectDocuments).toContain('docs/learning-with-the-lab.md');
    expect(typedoc.projectDocuments).toContain('docs/lab.md');
  });

  it('shows the screenshots scripts/screenshots.mjs takes, of scenarios that exist', async () => {
    const script = readFileSync(join(root, 'scripts/screenshots.mjs'), 'utf8');
    const views = [...script.slice(script.indexOf('LAB_VIEWS')).matchAll(/\['([^']+)', '([^']+)'\]/g)].map((m) => m[1]!);
    expect(views).toHaveLength(3);
    for (const id of views) {
      expect(SCENARIOS.some((s) => s.id === id), id).toBe(true);
      expect(page).toContain(`(images/lab-${id}.png)`);
      expect(page).toContain(`\`${id}\``);
    }
    expect(page).toContain('(images/lab.png)');
  });

  it('every local link and image in docs/*.md resolves to a file', () => {
    const docs = join(root, 'docs');
    for (const f of readdirSync(docs).filter((x) => x.endsWith('.md'))) {
      const md = readFileSync(join(docs, f), 'utf8');
      for (const target of localLinks(md)) expect(existsSync(join(dirname(join(docs, f)), target)), `${f} → ${target}`).toBe(true);
    }
  });
});
