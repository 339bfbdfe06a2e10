// ARIA tabs whose selection is an address: arrow keys move between tabs, Enter or Space opens one.
import { type KeyboardEvent, type ReactNode, useId, useRef } from "react";
import { navigate } from "../router.tsx";

export type Tab = { id: string; label: ReactNode; href: string };

type TabsProps = { label: string; tabs: Tab[]; selected: string; children: ReactNode };

export function Tabs({ label, tabs, selected, children }: TabsProps) {
  const baseId = useId();
  const listRef = useRef<HTMLDivElement>(null);
  const tabId = (id: string) => `${baseId}-tab-${id}`;
  // One tab is always in the Tab order, even when the address names none of them.
  const focusable = tabs.some((tab) => tab.id === selected) ? selected : tabs[0]?.id;

  // Manual activation: opening a tab loads its data, so moving through tabs should not.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('[role="tab"]') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const target =
      event.key === "ArrowRight"
        ? (index + 1) % buttons.length
        : event.key === "ArrowLeft"
          ? (index - 1 + buttons.length) % buttons.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? buttons.length - 1
              : undefined;
    if (target === undefined) return;
    event.preventDefault();
    buttons[target]?.focus();
  };

  return (
    <div className="tabs">
      <div ref={listRef} role="tablist" aria-label={label} className="tab-list" onKeyDown={onKeyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={tabId(tab.id)}
            aria-selected={tab.id === selected}
            aria-controls={`${baseId}-panel`}
            tabIndex={tab.id === focusable ? 0 : -1}
            className="tab"
            onClick={() => navigate(tab.href)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={tabId(selected)} className="tab-panel">
        {children}
      </div>
    </div>
  );
}
