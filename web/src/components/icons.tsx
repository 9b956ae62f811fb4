// Inline SVG icons (no icon font, no CDN). Decorative: screen readers get the button labels.
import type { JSX } from 'preact';

function Icon({ children, size = 20 }: { children: JSX.Element | JSX.Element[]; size?: number }): JSX.Element {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

export const MenuIcon = (): JSX.Element => (
  <Icon>
    <path d="M4 6h16M4 12h16M4 18h16" />
  </Icon>
);
export const UsersIcon = (): JSX.Element => (
  <Icon>
    <path d="M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2" />
    <circle cx="9" cy="7" r="4" />
    <path d="M22 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75" />
  </Icon>
);
export const SendIcon = (): JSX.Element => (
  <Icon>
    <path d="M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z" />
  </Icon>
);
export const SearchIcon = (): JSX.Element => (
  <Icon>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-4-4" />
  </Icon>
);
export const LeaveIcon = (): JSX.Element => (
  <Icon>
    <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />
  </Icon>
);
export const CloseIcon = (): JSX.Element => (
  <Icon>
    <path d="M18 6 6 18M6 6l12 12" />
  </Icon>
);
export const HashIcon = ({ size = 16 }: { size?: number }): JSX.Element => (
  <Icon size={size}>
    <path d="M4 9h16M4 15h16M10 3 8 21M16 3l-2 18" />
  </Icon>
);
export const PlusIcon = (): JSX.Element => (
  <Icon size={16}>
    <path d="M12 5v14M5 12h14" />
  </Icon>
);
export const ClockIcon = (): JSX.Element => (
  <Icon size={14}>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3 2" />
  </Icon>
);
export const Logo = ({ size = 28 }: { size?: number }): JSX.Element => (
  <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true" focusable="false">
    <rect width="64" height="64" rx="16" fill="var(--accent)" />
    <path d="M18 20h28a6 6 0 0 1 6 6v12a6 6 0 0 1-6 6H32l-10 8v-8h-4a6 6 0 0 1-6-6V26a6 6 0 0 1 6-6z" fill="#fff" />
  </svg>
);
export const LockIcon = ({ size = 14 }: { size?: number }): JSX.Element => (
  <Icon size={size}>
    <rect x="5" y="11" width="14" height="10" rx="2" />
    <path d="M8 11V7a4 4 0 0 1 8 0v4" />
  </Icon>
);
