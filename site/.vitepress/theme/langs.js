// The default theme's useLangs, except that the link to the other language opens the same chapter: the
// chapters' addresses differ between the languages only by zh/, but a page without a translation (the
// repository's README) links to the other language's first page instead of a missing one.
import { computed } from 'vue'
import { useData } from 'vitepress'

export function useLangs({ correspondingLink = false } = {}) {
  const { site, localeIndex, page, theme } = useData()
  const currentLang = computed(() => ({
    label: site.value.locales[localeIndex.value]?.label,
    link: site.value.locales[localeIndex.value]?.link || (localeIndex.value === 'root' ? '/' : `/${localeIndex.value}/`),
  }))
  const localeLinks = computed(() =>
    Object.entries(site.value.locales).flatMap(([key, value]) => {
      if (currentLang.value.label === value.label) return []
      const home = value.link || (key === 'root' ? '/' : `/${key}/`)
      const other = correspondingLink ? theme.value.counterparts?.[page.value.relativePath] : undefined
      if (!other) return [{ text: value.label, link: home }]
      const link = '/' + other.replace(/(^|\/)index\.md$/, '$1').replace(/\.md$/, site.value.cleanUrls ? '' : '.html')
      return [{ text: value.label, link }]
    }),
  )
  return { localeLinks, currentLang }
}
