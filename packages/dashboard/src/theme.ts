/**
 * Portal theming from the link: `?primary=%230f766e&logo=https://...&name=Acme` (query or fragment).
 * Values are checked before use, so a crafted link cannot inject CSS or a script URL.
 */
export interface Theme {
  primary: string | null;
  logoUrl: string | null;
  name: string | null;
}

const HEX_COLOR = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

export function themeFrom(params: URLSearchParams): Theme {
  const color = params.get('primary');
  const logo = params.get('logo');
  let logoUrl: string | null = null;
  if (logo) {
    try {
      const url = new URL(logo);
      if (url.protocol === 'https:' || url.protocol === 'http:') logoUrl = url.href;
    } catch { /* not a URL: no logo */ }
  }
  const name = params.get('name')?.slice(0, 80) ?? null;
  return { primary: color && HEX_COLOR.test(color) ? `#${color.replace('#', '')}` : null, logoUrl, name };
}

function luminance(hex: string): number {
  const digits = hex.slice(1);
  const full = digits.length === 3 ? [...digits].map((digit) => digit + digit).join('') : digits;
  const [r, g, b] = [0, 2, 4].map((start) => {
    const channel = parseInt(full.slice(start, start + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** Text on the primary colour: white or near-black, whichever contrasts more (WCAG AA needs 4.5:1). */
export function applyTheme(theme: Theme): void {
  if (!theme.primary) return;
  const root = document.documentElement.style;
  const light = luminance(theme.primary);
  root.setProperty('--primary', theme.primary);
  root.setProperty('--on-primary', (1.05 / (light + 0.05)) >= ((light + 0.05) / 0.05) ? '#ffffff' : '#111827');
}
