// The CJK font for every PDF: Noto Sans SC from an npm package the project installs itself
// (@expo-google-fonts/noto-sans-sc, SIL Open Font License). pdfkit embeds only the glyphs used (a subset).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));

export const CJK_FONT_REGULAR = join(root, '400Regular', 'NotoSansSC_400Regular.ttf');
export const CJK_FONT_BOLD = join(root, '700Bold', 'NotoSansSC_700Bold.ttf');
