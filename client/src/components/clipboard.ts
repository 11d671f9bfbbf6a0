/**
 * Writes text to the clipboard; rejects where the browser refuses (no permission, no user activation).
 * `apiOnly`: never fall back to a hidden textarea (which would take the focus), for copies nobody clicked for.
 */
export async function writeClipboard(text: string, { apiOnly = false }: { apiOnly?: boolean } = {}): Promise<void> {
  if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  if (apiOnly) throw new Error('no Clipboard API');
  // Plain-http deployments have no Clipboard API; the old way still works there.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy failed');
}
