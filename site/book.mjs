// The book's pages, in reading order, and where each markdown file of the repository lands on the site.
// The markdown files are not changed for the site: this list, the rewrites and the link rule below do it.
// Used by .vitepress/config.mjs (sidebar, rewrites, language switch) and by test/site-test.mjs.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// The order of docs/README.md: the steps, minirun, then the chapters across the steps. A chapter added to
// docs/ (with its translation in docs/zh/) and not named here is appended to the last group by itself.
const steps = [
  'step01-unshare-pid', 'step02-clone-flags', 'step03-mount-proc', 'step04-cgroups',
  'step05-overlayfs', 'step06-pivot-root', 'step07-setns-exec',
]
const acrossTheSteps = [
  'runc-and-kubernetes', 'cgroups-v1-v2', 'troubleshooting', 'workshop', 'benchmarks', 'engines', 'reliability',
]

// One chapter: its English file, its Chinese file (or none), its page on the site (en; zh is zh/ + it) and,
// where its first heading would not do in the sidebar, a label.
function chapter(en, zh, page, label) {
  return { en, zh, page, label }
}

function chaptersAcrossTheSteps() {
  const named = acrossTheSteps.filter((name) => fs.existsSync(path.join(repoRoot, 'docs', `${name}.md`)))
  const added = fs.readdirSync(path.join(repoRoot, 'docs'))
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .map((file) => file.slice(0, -3))
    .filter((name) => !named.includes(name) && name !== 'images')  // images: with the steps
    .sort()
  return [...named, ...added].map((name) => chapter(`docs/${name}.md`, `docs/zh/${name}.md`, `${name}.md`))
}

// The groups of the sidebar, each a list of chapters.
export function groups() {
  return [
    { en: 'Start here', zh: '从这里开始', chapters: [
      chapter('README.md', null, 'readme.md', { en: 'README: the repository' }),
      chapter('docs/README.md', 'docs/zh/README.md', 'index.md', { en: 'Contents', zh: '目录' }),
    ] },
    { en: 'The steps', zh: '步骤', chapters: [
      ...steps.slice(0, 5).map((name) => chapter(`${name}/README.md`, `docs/zh/${name}.md`, `${name}.md`)),
      chapter('docs/images.md', 'docs/zh/images.md', 'images.md'),  // step05's aside: real images' layers
      ...steps.slice(5).map((name) => chapter(`${name}/README.md`, `docs/zh/${name}.md`, `${name}.md`)),
      chapter('final/README.md', 'docs/zh/final.md', 'final.md'),
    ] },
    { en: 'Across the steps', zh: '贯穿各步', chapters: chaptersAcrossTheSteps() },
  ].map((group) => ({
    ...group,
    chapters: group.chapters
      .filter((c) => fs.existsSync(path.join(repoRoot, c.en)))
      .map((c) => (c.zh && !fs.existsSync(path.join(repoRoot, c.zh)) ? { ...c, zh: null } : c)),
  }))
}

export function chapters() {
  return groups().flatMap((group) => group.chapters)
}

// The first "# " heading of a markdown file, for the sidebar.
export function title(file) {
  const text = fs.readFileSync(path.join(repoRoot, file), 'utf8')
  const heading = text.match(/^# (.+)$/m)
  return heading ? heading[1].replace(/`/g, '').trim() : file
}

// Source file (relative to the repository) -> page (relative to the site), for VitePress's rewrites.
export function rewrites() {
  const map = {}
  for (const c of chapters()) {
    map[c.en] = c.page
    if (c.zh) map[c.zh] = `zh/${c.page}`
  }
  return map
}

// Page -> the same chapter's page in the other language (what the language switch opens).
export function counterparts() {
  const map = {}
  for (const c of chapters()) {
    if (!c.zh) continue
    map[c.page] = `zh/${c.page}`
    map[`zh/${c.page}`] = c.page
  }
  return map
}

// Markdown files that are not pages of the book.
export const excluded = ['**/node_modules/**', 'build*/**', 'site/**', '.git/**', 'rootfs/**']
