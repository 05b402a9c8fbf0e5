/** The tab icon, served as /assets/favicon.svg (and /favicon.ico): the logo's circular arrow. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#2f6fde"/>
<path d="M23.5 12.5A8.5 8.5 0 1 0 24.5 17" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/>
<path d="M25.5 6.5v7h-7" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`;
