/**
 * Theme colours for canvas drawing (uPlot). The palette is CSS custom properties whose values
 * use light-dark(), which only the browser resolves: a hidden probe element reads them.
 */
export function cssColor(within: Element, variable: string): string {
  const probe = document.createElement("span");
  probe.style.color = `var(${variable})`;
  probe.hidden = true;
  within.append(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color || "#888";
}

/** Calls `changed` when the page switches between light and dark (the toggle or the system). */
export function onThemeChange(changed: () => void): () => void {
  const root = document.documentElement;
  const observer = new MutationObserver(changed);
  observer.observe(root, { attributes: true, attributeFilter: ["data-theme"] });
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  media.addEventListener("change", changed);
  return () => {
    observer.disconnect();
    media.removeEventListener("change", changed);
  };
}
