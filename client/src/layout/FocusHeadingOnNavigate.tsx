import { useEffect, useRef } from 'react';
import { NavigationType, useLocation, useNavigationType } from 'react-router';

/** How long to wait for a page's heading: a lazy page loads its code and often its data before showing one. */
const WAIT_FOR_HEADING_MS = 10_000;

/**
 * After moving to another page (a link, a row, back/forward), moves the focus to the new page's `h1` in the
 * surrounding `<main>`, as a full page load would put a screen reader and the Tab key at the top of the page.
 * Nothing happens on the first load, on a redirect (a replace: `/` → `/inquiries`), or when only the query string
 * changes (typing in the list's filters keeps the focus in the filter), and nothing if the person moved the focus
 * themselves before the heading appeared. The heading gets `tabindex="-1"` (focusable by script, not by Tab); the
 * theme draws its focus ring only for keyboard users (:focus-visible).
 */
export function useFocusHeadingOnNavigate(region: () => HTMLElement | null) {
  const { pathname } = useLocation();
  const navigationType = useNavigationType();
  const previousPath = useRef<string | null>(null);
  // The region is looked up when the effect runs; the function itself may change on every render.
  const regionOf = useRef(region);
  useEffect(() => {
    regionOf.current = region;
  });

  useEffect(() => {
    const from = previousPath.current;
    previousPath.current = pathname;
    if (from === null || from === pathname || navigationType === NavigationType.Replace) return;
    const root = regionOf.current();
    if (!root) return;

    const focusedBefore = document.activeElement;
    const focusHeading = (): boolean => {
      // Suspense hides the page it replaces with an inline display:none until the new one is ready: skip its h1.
      const heading = Array.from(root.querySelectorAll('h1')).find((h) => h.closest('[style*="display: none"]') === null);
      if (!heading) return false;
      const focused = document.activeElement;
      if (focused === null || focused === document.body || focused === focusedBefore) {
        if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
        heading.focus();
      }
      return true;
    };
    if (focusHeading()) return;

    const observer = new MutationObserver(() => {
      if (focusHeading()) stop();
    });
    const timer = window.setTimeout(() => stop(), WAIT_FOR_HEADING_MS);
    function stop() {
      observer.disconnect();
      window.clearTimeout(timer);
    }
    observer.observe(root, { childList: true, subtree: true });
    return stop;
  }, [pathname, navigationType]);
}

/** Drop-in for a page region (the shell's `<main>`): the region's h1 takes the focus after each navigation. */
export function FocusHeadingOnNavigate() {
  const anchor = useRef<HTMLSpanElement>(null);
  useFocusHeadingOnNavigate(() => anchor.current?.parentElement ?? null);
  return <span ref={anchor} hidden />;
}
