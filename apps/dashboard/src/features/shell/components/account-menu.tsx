import { useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Icon } from '../../../ui/icons';
import { useMe, useSignOut } from '../../auth/auth.api';

const initialsOf = (name: string | undefined) =>
  (name ?? '?')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join('') || '?';

/** The signed-in person: their account page, the API docs, and sign out. */
export const AccountMenu = () => {
  const me = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const [isOpen, setIsOpen] = useState(false);
  const menuId = useId();
  const containerRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!isOpen) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!containerRef.current?.contains(event.target as Node)) setIsOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setIsOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [isOpen]);

  const account = me.data?.account;
  return (
    <div className="account-menu" ref={containerRef}>
      <button
        ref={buttonRef}
        type="button"
        className="account-menu__button"
        aria-expanded={isOpen}
        aria-controls={menuId}
        onClick={() => setIsOpen((value) => !value)}
      >
        <span className="avatar" aria-hidden="true">
          {initialsOf(account?.name)}
        </span>
        <span className="account-menu__name">{account?.name ?? 'Account'}</span>
        <span className="visually-hidden">: account menu</span>
      </button>
      <div id={menuId} className="account-menu__panel" hidden={!isOpen}>
        {account ? (
          <p className="account-menu__who">
            <strong>{account.name}</strong>
            <span>{account.email}</span>
          </p>
        ) : null}
        <ul className="account-menu__list">
          <li>
            <Link to="/account" onClick={() => setIsOpen(false)}>
              <Icon name="account" /> Your account
            </Link>
          </li>
          <li>
            <a href="/docs" target="_blank" rel="noreferrer">
              <Icon name="docs" /> API documentation
            </a>
          </li>
          <li>
            <button
              type="button"
              onClick={() =>
                signOut.mutate(undefined, { onSettled: () => navigate('/sign-in', { replace: true }) })
              }
              disabled={signOut.isPending}
            >
              <Icon name="signOut" /> {signOut.isPending ? 'Signing out…' : 'Sign out'}
            </button>
          </li>
        </ul>
      </div>
    </div>
  );
};
