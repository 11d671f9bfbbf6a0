/** Opens a one-time link as the end user's browser would: the code (answered with a 303 and a cookie), then the page. */
export async function openOneTimeLink(base: string, url: string): Promise<number> {
  const redeemed = await fetch(new URL(`/verify${new URL(url).search}`, base), { redirect: 'manual' });
  if (redeemed.status !== 303) return redeemed.status;
  const cookie = redeemed.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const page = await fetch(new URL(redeemed.headers.get('location') ?? '/', base), { headers: { cookie }, redirect: 'manual' });
  return page.status;
}
