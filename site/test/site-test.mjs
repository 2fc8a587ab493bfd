// The built book site, read by a real browser (Debian's headless chromium driven by puppeteer-core):
//  - every page reachable from the two home pages loads with no console error and no failed request, and at
//    a phone's width is no wider than the screen;
//  - every ```mermaid block of the page's markdown became an SVG, every ```diff block is a coloured diff, every
//    code block has a copy button;
//  - no link is dead: every page, file and #anchor a link points to exists on the site;
//  - "Next" at the foot of each page leads through the chapters in the sidebar's order, and on each chapter the
//    language switch opens the same chapter in the other language;
//  - the search finds "pivot_root" in both languages, and only pages of the reader's language;
//  - dark mode switches, and the diagrams are drawn again;
//  - screenshots of three pages at desktop and phone width land in SHOTS_DIR.
//
//   node test/site-test.mjs SITE_DIR [SHOTS_DIR]      exit 0 passed, 1 failed, 77 skipped (no chromium)
import fs from 'node:fs'
import path from 'node:path'
import { chapters, rewrites, repoRoot } from '../book.mjs'
import { serve } from '../serve.mjs'

const SKIP = 77
const siteDir = path.resolve(process.argv[2] || path.join(repoRoot, 'build', 'site'))
const shotsDir = path.resolve(process.argv[3] || `${siteDir}-screenshots`)
const chromium = process.env.CHROMIUM || '/usr/bin/chromium'
const desktop = { width: 1280, height: 900 }
const phone = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }

if (!fs.existsSync(chromium)) {
  console.log(`SKIP: ${chromium} is not installed (scripts/install-deps --site installs Debian's chromium)`)
  process.exit(SKIP)
}
if (!fs.existsSync(path.join(siteDir, 'index.html'))) {
  console.error(`site-test: no built site in ${siteDir} (scripts/site build)`)
  process.exit(1)
}

const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`
// A browser that stops answering must not hang the test suite.
setTimeout(() => {
  console.log(`FAIL: the browser test did not finish in 10 minutes`)
  process.exit(1)
}, 600000).unref()

const failures = []
function fail(message) {
  failures.push(message)
  console.log(`FAIL: ${message}`)
}

// page address (/step01-unshare-pid.html, /zh/, /tests/README.html) -> its markdown file in the repository
const sourceOfPage = {}
for (const [source, page] of Object.entries(rewrites())) sourceOfPage[page] = source
function markdownOf(pathname) {
  let page = pathname.replace(/^\//, '').replace(/\.html$/, '.md')
  if (page === '' || page.endsWith('/')) page += 'index.md'
  const file = sourceOfPage[page] || page
  return fs.existsSync(path.join(repoRoot, file)) ? file : null
}
function fencesIn(file, language) {
  const text = fs.readFileSync(path.join(repoRoot, file), 'utf8')
  return (text.match(new RegExp('^```' + language + '\\s*$', 'gm')) || []).length
}

const { default: puppeteer } = await import('puppeteer-core')
const server = await serve(siteDir, 0)
const origin = `http://127.0.0.1:${server.address().port}`
const userDataDir = fs.mkdtempSync(path.join(path.dirname(siteDir), 'site-test-chromium-'))
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  pipe: true,
  userDataDir,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
})

// A tab that records what went wrong while it loaded a page.
async function tab(viewport) {
  const page = await browser.newPage()
  await page.setViewport(viewport)
  page.problems = []
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console error: ${m.text()}`) })
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => page.problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`))
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`HTTP ${r.status()}: ${r.url()}`) })
  return page
}

async function load(page, url) {
  page.problems = []
  await page.bringToFront()
  await page.goto(url, { waitUntil: 'load', timeout: 30000 })
  await settle(page)
}

// The diagrams are drawn after the page is shown: wait until each has its SVG or an error, then a moment for
// late errors. (Not "network idle": the theme prefetches the chunks of linked pages, which never reads as idle.)
async function settle(page) {
  await page.waitForFunction(
    () => [...document.querySelectorAll('.mermaid-diagram')].every((d) => d.querySelector('svg, .mermaid-error')),
    { timeout: 20000 }).catch(() => {})
  await new Promise((resolve) => setTimeout(resolve, 300))
}

// What a page holds: its links, the ids its anchors can point to, its diagrams and code blocks.
function inspect(page) {
  return page.evaluate(() => ({
    links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
    ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
    lang: document.documentElement.lang,
    diagrams: document.querySelectorAll('.mermaid-diagram').length,
    svgs: document.querySelectorAll('.mermaid-diagram svg').length,
    mermaidErrors: [...document.querySelectorAll('.mermaid-error')].map((e) => e.textContent.slice(0, 200)),
    codeBlocks: document.querySelectorAll('.vp-doc div[class*="language-"]').length,
    copyButtons: document.querySelectorAll('.vp-doc div[class*="language-"] > button.copy').length,
    diffBlocks: document.querySelectorAll('.vp-doc div.language-diff').length,
    diffColours: [...document.querySelectorAll('.vp-doc div.language-diff .line')]
      .map((line) => line.textContent[0] === '+' || line.textContent[0] === '-'
        ? `${line.textContent[0]}${getComputedStyle(line.querySelector('span') || line).color}` : null)
      .filter(Boolean),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    title: document.querySelector('.vp-doc h1')?.textContent ?? '',
  }))
}

const pageUrl = (url) => {
  const u = new URL(url)
  return u.origin === origin && (u.pathname.endsWith('.html') || u.pathname.endsWith('/')) ? u.origin + u.pathname : null
}

// 1. Crawl from both home pages, at desktop width.
const seen = new Map() // page url -> what it holds
const queue = [`${origin}/`, `${origin}/zh/`]
const desktopTab = await tab(desktop)
while (queue.length) {
  const url = queue.shift()
  if (seen.has(url)) continue
  await load(desktopTab, url)
  const info = await inspect(desktopTab)
  seen.set(url, info)
  const where = new URL(url).pathname
  for (const problem of desktopTab.problems) fail(`${where}: ${problem}`)
  const markdown = markdownOf(where)
  if (!markdown) fail(`${where}: no markdown file of the repository is this page`)
  else {
    const blocks = fencesIn(markdown, 'mermaid')
    if (info.diagrams !== blocks || info.svgs !== blocks) {
      fail(`${where}: ${markdown} has ${blocks} mermaid block(s), the page ${info.diagrams} diagram(s), ${info.svgs} drawn as SVG ${info.mermaidErrors.join(' | ')}`)
    }
    const diffs = fencesIn(markdown, 'diff')
    if (info.diffBlocks !== diffs) fail(`${where}: ${markdown} has ${diffs} diff block(s), the page ${info.diffBlocks}`)
    const added = new Set(info.diffColours.filter((c) => c[0] === '+').map((c) => c.slice(1)))
    const removed = new Set(info.diffColours.filter((c) => c[0] === '-').map((c) => c.slice(1)))
    if (added.size && removed.size && [...added].some((c) => removed.has(c))) {
      fail(`${where}: added and removed lines of a diff have the same colour`)
    }
  }
  // The same page at a phone's width: nothing wider than the screen (code and tables scroll in their boxes).
  await desktopTab.setViewport({ width: phone.width, height: phone.height })
  const overflow = await desktopTab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  if (overflow > 1) fail(`${where}: at ${phone.width}px wide the page is ${overflow}px wider than the screen`)
  await desktopTab.setViewport(desktop)
  if (info.copyButtons !== info.codeBlocks) fail(`${where}: ${info.codeBlocks} code blocks, ${info.copyButtons} copy buttons`)
  for (const link of info.links) {
    const next = pageUrl(link)
    if (next && !seen.has(next)) queue.push(next)
  }
}
console.log(`crawled ${seen.size} pages (${elapsed()})`)
for (const c of chapters()) {
  for (const page of [c.page, c.zh && `zh/${c.page}`].filter(Boolean)) {
    const url = `${origin}/${page.replace(/(^|\/)index\.md$/, '$1').replace(/\.md$/, '.html')}`
    if (!seen.has(url)) fail(`${url}: chapter page not reachable from the home pages`)
  }
}

// 2. No dead link: pages and files on this site exist (HTTP 200), anchors name an element of their page.
let checkedLinks = 0
const external = new Set()
const fetched = new Map()
for (const [url, info] of seen) {
  for (const link of new Set(info.links)) {
    const u = new URL(link)
    if (u.origin !== origin) {
      if (u.protocol.startsWith('http')) external.add(u.origin)
      continue
    }
    checkedLinks++
    const target = u.origin + u.pathname
    if (pageUrl(link)) {
      const page = seen.get(target)
      if (!page) fail(`${new URL(url).pathname}: dead link ${u.pathname}`)
      else if (u.hash && !page.ids.includes(decodeURIComponent(u.hash.slice(1)))) {
        fail(`${new URL(url).pathname}: dead anchor ${u.pathname}${u.hash}`)
      }
    } else {
      if (!fetched.has(target)) fetched.set(target, (await fetch(target)).status)
      if (fetched.get(target) !== 200) fail(`${new URL(url).pathname}: dead link ${u.pathname} (HTTP ${fetched.get(target)})`)
    }
  }
}
console.log(`checked ${checkedLinks} links on the site (${fetched.size} files); not followed: ${[...external].join(' ') || 'none'}`)

// 3. A reader's walk through the book, from the first page by the "Next" link at the foot of each page: it
//    follows the sidebar's order, and on every chapter the language switch opens the same chapter in the
//    other language and back.
const walker = await tab(desktop)
const expected = chapters().map((c) => ({ ...c, url: `/${c.page.replace(/(^|\/)index\.md$/, '$1').replace(/\.md$/, '.html')}` }))
const zhUrl = (url) => `/zh${url}`
async function clickTo(selector, pathname, why) {
  const link = await walker.waitForSelector(selector, { visible: true, timeout: 5000 }).catch(() => null)
  if (!link) return fail(`${why}: no ${selector} on ${await walker.evaluate(() => location.pathname)}`)
  await link.click()
  await walker.waitForFunction((p) => location.pathname === p, { timeout: 10000 }, pathname).catch(() => {})
  await settle(walker)
  const landed = await walker.evaluate(() => location.pathname)
  if (landed !== pathname) fail(`${why}: landed on ${landed}, not ${pathname}`)
  return landed === pathname
}
async function switchLanguage(to, label) {
  await walker.hover('.VPNavBarTranslations button')
  return clickTo(`.VPNavBarTranslations a ::-p-text(${label})`, to, `language switch to ${to}`)
}
await load(walker, `${origin}${expected[0].url}`)
let switches = 0
for (const [i, c] of expected.entries()) {
  if (c.zh) {
    if (!(await switchLanguage(zhUrl(c.url), '中文'))) break
    if (!(await switchLanguage(c.url, 'English'))) break
    switches += 2
  }
  if (i + 1 < expected.length && !(await clickTo('.VPDocFooter a.pager-link.next', expected[i + 1].url, `"Next" on ${c.url}`))) break
}
for (const problem of walker.problems) fail(`walk through the book: ${problem}`)
const last = await walker.$('.VPDocFooter a.pager-link.next')
if (last) fail(`the last chapter ${expected.at(-1).url} has a "Next" link`)
console.log(`walked ${expected.length} chapters by "Next"; the language switch kept the chapter ${switches} times (${elapsed()})`)

// 4. Search, in each language, for a word both languages use.
async function search(home, word, ownPages) {
  await load(walker, `${origin}${home}`)
  await walker.click('.VPNavBarSearch button')
  const input = await walker.waitForSelector('.VPLocalSearchBox input', { visible: true })
  await input.type(word)
  await walker.waitForSelector('.VPLocalSearchBox .results a.result', { timeout: 10000 }).catch(() => {})
  const hits = await walker.$$eval('.VPLocalSearchBox .results a.result', (as) => as.map((a) => new URL(a.href).pathname))
  if (hits.length === 0) fail(`search for ${word} from ${home} found nothing`)
  const foreign = hits.filter((h) => !ownPages(h))
  if (foreign.length) fail(`search from ${home} offered pages of the other language: ${foreign.join(' ')}`)
  console.log(`search for ${word} from ${home}: ${hits.length} results (${hits.slice(0, 3).join(' ')} ...)`)
  for (const problem of walker.problems) fail(`search from ${home}: ${problem}`)
}
await search('/', 'pivot_root', (p) => !p.startsWith('/zh/'))
await search('/zh/', 'pivot_root', (p) => p.startsWith('/zh/'))

// 5. Screenshots: a contents page, a step with a diagram and a diff, a Chinese chapter; desktop and phone.
fs.mkdirSync(shotsDir, { recursive: true })
const shots = ['index.html', 'step04-cgroups.html', 'zh/step06-pivot-root.html']
const phoneTab = await tab(phone)
for (const [name, t] of [['desktop', desktopTab], ['phone', phoneTab]]) {
  for (const page of shots) {
    await load(t, `${origin}/${page}`)
    await t.screenshot({ captureBeyondViewport: false, path: path.join(shotsDir, `${page.replace(/\//g, '-').replace(/\.html$/, '')}-${name}.png`) })
  }
}
console.log(`screenshots in ${shotsDir} (${elapsed()})`)

// 6. Dark mode: the switch sets it, and the diagrams are drawn again.
const diagramPage = [...seen].find(([, info]) => info.diagrams > 0)?.[0]
if (diagramPage) {
  await load(walker, diagramPage)
  const before = await walker.$eval('.mermaid-diagram svg', (svg) => svg.outerHTML)
  await walker.click('.VPNavBarAppearance button')
  await walker.waitForFunction((b) => document.documentElement.classList.contains('dark') &&
    document.querySelector('.mermaid-diagram svg')?.outerHTML !== b, { timeout: 10000 }, before)
    .catch(() => fail(`${diagramPage}: dark mode did not switch, or did not draw the diagram again`))
  for (const problem of walker.problems) fail(`dark mode: ${problem}`)
}

await browser.close()
server.close()
fs.rmSync(userDataDir, { recursive: true, force: true })
if (failures.length) {
  console.log(`${failures.length} failure(s)`)
  process.exit(1)
}
console.log('the site passed')
