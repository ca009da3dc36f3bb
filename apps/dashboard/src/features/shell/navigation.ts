import type { IconName } from '../../ui/icons';
import type { Action } from '../auth/session';

export type NavigationItem = { to: string; label: string; icon: IconName; needs?: Action };

/**
 * The main navigation. Only pages that exist are listed, and a page the role cannot use is left out rather
 * than shown as a dead end.
 */
export const navigationItems: NavigationItem[] = [
  { to: '/analytics', label: 'Analytics', icon: 'analytics' },
  { to: '/members', label: 'Members', icon: 'members' },
  { to: '/knowledge', label: 'Knowledge', icon: 'docs' },
  { to: '/coach', label: 'Coach', icon: 'chat' },
  { to: '/programs', label: 'Programs', icon: 'flow' },
  { to: '/channels', label: 'Channels', icon: 'send' },
  { to: '/team', label: 'Team', icon: 'team' },
  { to: '/audit', label: 'Audit log', icon: 'audit', needs: 'readAuditLog' },
  { to: '/settings', label: 'Settings', icon: 'settings' },
];
