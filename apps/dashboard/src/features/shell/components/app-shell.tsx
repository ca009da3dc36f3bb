import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { Icon } from '../../../ui/icons';
import { hasRoleAtLeast, requiredRole, useClaims } from '../../auth/session';
import { navigationItems } from '../navigation';
import { AccountMenu } from './account-menu';
import { BrandMark } from './brand-mark';
import { CreatorSwitcher } from './creator-switcher';

/** The signed-in frame: top bar, side navigation (a drawer on small screens) and the page. */
export const AppShell = () => {
  const { role } = useClaims();
  const location = useLocation();
  const [isNavOpen, setIsNavOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  const isFirstRender = useRef(true);

  // After a navigation, move focus to the new page's title so keyboard and screen-reader users start there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: it runs because the path changed, not with it
  useEffect(() => {
    setIsNavOpen(false);
    if (isFirstRender.current) {
      isFirstRender.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    (heading ?? mainRef.current)?.focus({ preventScroll: false });
  }, [location.pathname]);

  useEffect(() => {
    if (!isNavOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setIsNavOpen(false);
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [isNavOpen]);

  const items = navigationItems.filter(
    (item) => !item.needs || hasRoleAtLeast(role, requiredRole[item.needs]),
  );
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-button topbar__menu"
          aria-expanded={isNavOpen}
          aria-controls="main-navigation"
          onClick={() => setIsNavOpen((value) => !value)}
        >
          <Icon name={isNavOpen ? 'close' : 'menu'} size={22} />
          <span className="visually-hidden">{isNavOpen ? 'Close navigation' : 'Open navigation'}</span>
        </button>
        <NavLink to="/" className="topbar__brand" aria-label="Compañero home">
          <BrandMark />
        </NavLink>
        <div className="topbar__spacer" />
        <CreatorSwitcher />
        <AccountMenu />
      </header>
      <nav id="main-navigation" className={`sidebar${isNavOpen ? ' sidebar--open' : ''}`} aria-label="Main">
        <ul className="sidebar__list">
          {items.map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} className="sidebar__link">
                <Icon name={item.icon} />
                <span>{item.label}</span>
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      {isNavOpen ? (
        <button
          type="button"
          className="sidebar-backdrop"
          aria-label="Close navigation"
          tabIndex={-1}
          onClick={() => setIsNavOpen(false)}
        />
      ) : null}
      <main id="main" className="main" ref={mainRef} tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
};
