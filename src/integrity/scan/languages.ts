// Which kind of content a file holds, from its name: code rules apply to languages, not to
// extensions, so one rule on `js` also reads the inline scripts of HTML and PHP templates.

// `server-config` is per-directory web server configuration (.htaccess, .user.ini): one line
// there turns an uploaded image into a script the server runs.
export type Language = 'php' | 'js' | 'html' | 'image' | 'server-config';
export const languages: readonly Language[] = ['php', 'js', 'html', 'image', 'server-config'];

const byExt: Record<string, readonly Language[]> = {
  php: ['php'],
  php3: ['php'],
  php4: ['php'],
  php5: ['php'],
  php7: ['php'],
  php8: ['php'],
  pht: ['php'],
  phar: ['php'],
  inc: ['php'],
  module: ['php'],
  // Magento templates are PHP with HTML and inline scripts.
  phtml: ['php', 'html', 'js'],
  tpl: ['html', 'js'],
  twig: ['html', 'js'],
  html: ['html', 'js'],
  htm: ['html', 'js'],
  svg: ['html', 'js'],
  js: ['js'],
  mjs: ['js'],
  cjs: ['js'],
  jpg: ['image'],
  jpeg: ['image'],
  png: ['image'],
  gif: ['image'],
  ico: ['image'],
  webp: ['image'],
  bmp: ['image'],
};

/** Extensions that a web server may execute as PHP: a new one of these in an upload folder is a red flag. */
export const executableExtensions: readonly string[] = [
  'php',
  'php3',
  'php4',
  'php5',
  'php7',
  'php8',
  'pht',
  'phtml',
  'phar',
  'inc',
];

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Per-directory server configuration files, named by their whole base name. */
const serverConfigNames = new Set(['.htaccess', '.user.ini', 'php.ini']);
const serverConfig: readonly Language[] = ['server-config'];

/** Languages of a file by its name; empty when no code rule reads it. */
export function languagesOf(path: string): readonly Language[] {
  const byName = byExt[extensionOf(path)];
  if (byName !== undefined) return byName;
  return serverConfigNames.has(path.slice(path.lastIndexOf('/') + 1).toLowerCase()) ? serverConfig : [];
}

/** Content from a database column: HTML with inline scripts. */
export const dbContentLanguages: readonly Language[] = ['html', 'js'];
