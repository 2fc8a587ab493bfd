// The book as a website. VitePress reads the repository's markdown where it is (srcDir is the top of the
// repository); `rewrites` gives each chapter its address, and the link rule below turns the links written for
// the code host (../step02-clone-flags/README.md, ../../tests/README.md, ../final/lib/fault.hpp) into links
// to the site's pages, or to a copy of the file served as plain text under /repo/.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitepress'
import { groups, counterparts, rewrites, excluded, repoRoot, title } from '../book.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const outDir = path.resolve(process.env.BOOK_SITE_OUT || path.join(repoRoot, 'build', 'site'))
const sourceOf = Object.fromEntries(Object.entries(rewrites()).map(([source, page]) => [page, source]))
const pageOf = rewrites()

// Repository files that are linked from a page but are not pages: copied to <out>/repo/ after the build.
const linkedFiles = new Set()

function sidebar(language) {
  return groups()
    .map((group) => ({
      text: group[language],
      items: group.chapters
        .filter((c) => language === 'en' || c.zh)
        .map((c) => ({
          text: c.label?.[language] || title(language === 'en' ? c.en : c.zh),
          link: '/' + (language === 'en' ? c.page : `zh/${c.page}`).replace(/(^|\/)index\.md$/, '$1').replace(/\.md$/, ''),
        })),
    }))
    .filter((group) => group.items.length > 0)
}

// A link as written in a markdown file (relative to that file) -> where it leads on the site.
function siteLink(href, sourceFile) {
  if (/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(href) || href.startsWith('/')) return href
  const [, target, suffix = ''] = href.match(/^([^?#]*)(.*)$/)
  if (!target) return href
  let file = path.posix.normalize(path.posix.join(path.posix.dirname(sourceFile), decodeURI(target)))
  if (file.startsWith('..')) return href
  const absolute = path.join(repoRoot, file)
  if (fs.existsSync(absolute) && fs.statSync(absolute).isDirectory()) {
    if (!fs.existsSync(path.join(absolute, 'README.md'))) return href
    file = path.posix.join(file, 'README.md')
  }
  if (file.endsWith('.md')) return '/' + (pageOf[file] || file) + suffix
  if (!fs.existsSync(absolute)) return href
  linkedFiles.add(file)
  return '/repo/' + file + suffix
}

function rewriteLinks(md) {
  md.core.ruler.push('repository_links', (state) => {
    const page = state.env.relativePath
    if (!page) return
    const source = sourceOf[page] || page
    const visit = (tokens) => {
      for (const token of tokens) {
        if (token.type === 'link_open') {
          const href = token.attrGet('href')
          if (!href) continue
          const link = siteLink(href, source)
          token.attrSet('href', link)
          // A source file opens as plain text in a tab of its own (and is left alone by the page router).
          if (link.startsWith('/repo/')) token.attrSet('target', '_blank')
        }
        if (token.children) visit(token.children)
      }
    }
    visit(state.tokens)
  })
}

// ```mermaid blocks become <Mermaid>, drawn as SVG in the browser (theme/Mermaid.vue).
function mermaidBlocks(md) {
  const fence = md.renderer.rules.fence
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const token = tokens[idx]
    if (token.info.trim() === 'mermaid') {
      return `<Mermaid graph="${encodeURIComponent(token.content)}" />\n`
    }
    return fence(tokens, idx, options, env, self)
  }
}

// mermaid ships a ready-made ES module with its chunks: served from <out>/mermaid/ as they are (theme/Mermaid.vue
// imports it), which keeps the thousands of modules behind it out of the build.
function copyMermaid() {
  const dist = path.join(path.dirname(here), 'node_modules', 'mermaid', 'dist')
  const copy = (relative) => {
    const target = path.join(outDir, 'mermaid', relative)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.copyFileSync(path.join(dist, relative), target)
  }
  copy('mermaid.esm.min.mjs')
  const chunks = path.join('chunks', 'mermaid.esm.min')
  for (const file of fs.readdirSync(path.join(dist, chunks))) {
    if (file.endsWith('.mjs')) copy(path.join(chunks, file))
  }
}

// Search words: runs of letters, digits and "_" (so pivot_root stays one word); Chinese, written without
// spaces, is cut into words by the browser's (and Node's) Intl.Segmenter. Written as an arrow function
// because VitePress sends it to the browser as source text.
const tokenize = (text) => {
  const words = []
  const han = /\p{Script=Han}/u
  const segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter('zh', { granularity: 'word' }) : null
  for (const run of text.split(/[^\p{L}\p{N}_]+/u)) {
    if (!run) continue
    if (!han.test(run) || !segmenter) {
      words.push(run)
      continue
    }
    for (const piece of segmenter.segment(run)) {
      if (piece.isWordLike) words.push(piece.segment)
    }
  }
  return words
}

// The pages compiled from the repository's markdown import vue and vitepress: packages found in site/node_modules,
// which is not above them, so their bare imports are resolved as if made from here.
function resolveFromSite() {
  const siteDir = path.dirname(here)
  return {
    name: 'resolve-from-site',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || !/^[@a-z]/i.test(source) || source.startsWith('vitepress:')) return null
      const file = importer.split('?')[0]
      if (!path.isAbsolute(file) || file.startsWith(siteDir + path.sep) || !file.startsWith(repoRoot)) return null
      return this.resolve(source, path.join(here, 'config.mjs'), { ...options, skipSelf: true })
    },
  }
}

// Headings get the ids the code host gives them (lower case, punctuation dropped, spaces to "-"), so that a
// link written for the repository, like #the-hosts-binary-stays-out-of-the-containers-reach or
// #宿主机上的二进制文件容器够不着, lands on the same heading on the site.
function codeHostSlug(text) {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-')
}

export default defineConfig({
  srcDir: repoRoot,
  srcExclude: excluded,
  outDir,
  cacheDir: path.join(outDir, '..', 'site-cache'),
  rewrites: rewrites(),
  title: 'Containers from scratch, in C++',
  description: 'A Linux container built one kernel feature at a time, from unshare() to an OCI runtime',
  lastUpdated: false,
  // A small icon of its own, so that browsers do not ask for a /favicon.ico that is not there.
  head: [['link', { rel: 'icon', href: "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><rect x='1' y='3' width='14' height='10' rx='2' fill='%233451b2'/></svg>" }]],
  // Every link is checked at build time; a link to a missing page fails the build.
  ignoreDeadLinks: false,
  markdown: {
    anchor: { slugify: codeHostSlug },
    headers: { slugify: codeHostSlug },
    config(md) {
      rewriteLinks(md)
      mermaidBlocks(md)
    },
  },
  locales: {
    root: {
      label: 'English',
      lang: 'en',
      themeConfig: {
        sidebar: sidebar('en'),
        docFooter: { prev: 'Previous', next: 'Next' },
      },
    },
    zh: {
      label: '中文',
      lang: 'zh-CN',
      title: '从零开始用 C++ 造容器',
      description: '一次加入一个内核特性，从 unshare() 造到 OCI 运行时',
      themeConfig: {
        sidebar: sidebar('zh'),
        docFooter: { prev: '上一章', next: '下一章' },
        outline: { label: '本页内容' },
        langMenuLabel: '切换语言',
        returnToTopLabel: '回到顶部',
        sidebarMenuLabel: '目录',
        darkModeSwitchLabel: '外观',
        lightModeSwitchTitle: '切换到浅色模式',
        darkModeSwitchTitle: '切换到深色模式',
      },
    },
  },
  themeConfig: {
    outline: { level: [2, 3] },
    // Read by theme/langs.js: the language switch opens the same chapter in the other language.
    counterparts: counterparts(),
    search: {
      provider: 'local',
      options: {
        miniSearch: {
          options: { tokenize },
          searchOptions: { tokenize, prefix: true, fuzzy: 0.2, combineWith: 'AND' },
        },
        locales: {
          zh: {
            translations: {
              button: { buttonText: '搜索', buttonAriaLabel: '搜索' },
              modal: {
                noResultsText: '没有找到结果',
                resetButtonTitle: '清除查询',
                footer: { selectText: '选择', navigateText: '切换', closeText: '关闭' },
              },
            },
          },
        },
      },
    },
  },
  vite: {
    resolve: {
      alias: [
        // The default theme's language switch, made to follow `counterparts` (see theme/langs.js).
        { find: /^\.{1,2}\/composables\/langs(\.js)?$/, replacement: path.join(here, 'theme', 'langs.js') },
      ],
    },
    // The markdown lives outside site/, where node_modules is: let Vite resolve from here.
    plugins: [resolveFromSite()],
    server: { fs: { allow: [repoRoot] } },
  },
  buildEnd() {
    copyMermaid()
    for (const file of linkedFiles) {
      const target = path.join(outDir, 'repo', file)
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.copyFileSync(path.join(repoRoot, file), target)
    }
  },
})
