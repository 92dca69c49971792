// Content-Disposition for downloads: an ASCII fallback name and the Chinese name (RFC 6266 / RFC 5987), so every
// browser saves the file under a readable name and no header can be broken by what a user typed.

/** A file-name part: no path separators, reserved characters of Windows, controls or runs of white space. */
export function safeFileName(text: string, max = 40): string {
  const clean = text
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '');
  return [...clean].slice(0, max).join('');
}

/** `attachment; filename="<ascii>"; filename*=UTF-8''<name>`; `ascii` must already be plain ASCII. */
export function attachment(ascii: string, name: string): string {
  // RFC 5987 ext-value: encodeURIComponent leaves ' ( ) * ! unencoded.
  const utf8 = encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${utf8}`;
}
