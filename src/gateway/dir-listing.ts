/**
 * The generated HTML directory index (path gateway spec §Generated HTML with directory index). Every name is
 * HTML-escaped and every href percent-encoded, so a hostile file name can neither inject markup nor a path.
 */
import type { DirectoryListing } from '../content/index.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Yields the page in pieces (the listing may be long). `basePath` ends with '/'. */
export async function* renderListing(basePath: string, entries: AsyncIterable<DirectoryListing>, maxEntries: number): AsyncGenerator<string> {
  const title = escapeHtml(basePath);
  yield `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n<h1>Index of ${title}</h1>\n<table>\n`;
  const depth = basePath.split('/').filter(Boolean).length;
  if (depth > 2) yield '<tr><td><a href="../">..</a></td><td></td></tr>\n';
  let count = 0;
  for await (const entry of entries) {
    if (count >= maxEntries) {
      yield `<tr><td colspan="2">(listing stops after ${maxEntries} entries)</td></tr>\n`;
      break;
    }
    count++;
    const href = './' + encodeURIComponent(entry.name);
    yield `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(entry.name)}</a></td><td>${humanSize(entry.linkSize)}</td></tr>\n`;
  }
  yield '</table>\n</body></html>\n';
}
