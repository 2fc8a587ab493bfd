// Serves the built site on 127.0.0.1 (and nowhere else), the way a static host would: the files as they
// are, a directory's index.html, the site's 404 page for anything missing, source files as plain text.
//
//   node serve.mjs DIR [PORT]     PORT 0 (the default is 4173) picks a free port; the address is printed.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
}
const plainText = 'text/plain; charset=utf-8'

export function serve(root, port = 4173) {
  root = path.resolve(root)
  const server = http.createServer((request, response) => {
    let name
    try {
      name = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname)
    } catch {
      response.writeHead(400).end()
      return
    }
    let file = path.join(root, path.normalize(name))
    if (!file.startsWith(root)) {
      response.writeHead(403).end()
      return
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html')
    let status = 200
    if (!fs.existsSync(file)) {
      status = 404
      file = path.join(root, '404.html')
    }
    const type = types[path.extname(file)] || plainText
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' })
    if (request.method === 'HEAD') response.end()
    else fs.createReadStream(file).pipe(response)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [root, port = '4173'] = process.argv.slice(2)
  if (!root || !fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`serve: no built site in ${root || '(no directory given)'}; run scripts/site build first`)
    process.exit(1)
  }
  const server = await serve(root, Number(port)).catch((e) => {
    console.error(`serve: cannot listen on 127.0.0.1:${port}: ${e.message}`)
    process.exit(1)
  })
  console.log(`serving ${root} on http://127.0.0.1:${server.address().port}/ (Ctrl-C stops it)`)
}
