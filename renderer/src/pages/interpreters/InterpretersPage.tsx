import { useEffect, useRef, useState, type ReactElement } from 'react';
import type { InterpreterView } from '../../../../shared/dto/interpreters';
import type { DiscoveredInterpreter } from '../../../../shared/interpreters-discovery';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Banner, Button, Card, EmptyState, ErrorState, PageHeader, Skeleton } from '../../components/ui';
import { Icon } from '../../components/icons';
import { useConnection } from '../../stores/connection';
import { useInterpreters } from '../../stores/interpreters';
import { AddInterpreterForm } from './AddInterpreterForm';
import { prefillFrom, type FormPrefill } from './discovered';
import { DiscoveryPanel } from './DiscoveryPanel';
import { InterpreterCard } from './InterpreterCard';

export function InterpretersPage(): ReactElement {
  const { data, loaded, error, load } = useInterpreters();
  const discovery = useInterpreters((s) => s.discovery);
  const discover = useInterpreters((s) => s.discover);
  const [adding, setAdding] = useState<{ prefill: FormPrefill | null; n: number } | null>(null);
  const [showFound, setShowFound] = useState(false);
  const [removing, setRemoving] = useState<InterpreterView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const formRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);

  const ensureDiscovery = (): void => {
    if (!discovery.result && !discovery.loading) void discover();
  };
  const openForm = (prefill: FormPrefill | null): void => {
    ensureDiscovery();
    setNotice(null);
    setAdding((a) => ({ prefill, n: (a?.n ?? 0) + 1 }));
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('select, input')?.focus());
  };
  const addFound = (i: DiscoveredInterpreter): void => {
    openForm(prefillFrom(i, new Set(data?.interpreters.map((x) => x.key) ?? [])));
    setShowFound(false);
  };

  return (
    <div className="page">
      <PageHeader
        title="Python Interpreters"
        subtitle="The interpreters your plugins can run under. The active one runs the executor; switching is live."
        actions={
          <>
            <Button icon={<Icon name="search" />} onClick={() => { ensureDiscovery(); setShowFound((v) => !v); }} aria-expanded={showFound}>
              Discover
            </Button>
            <Button variant="primary" icon={<Icon name="plus" />} onClick={() => openForm(null)}>
              Add Interpreter
            </Button>
          </>
        }
      />
      {data && <ActiveChoiceBanner pinnedBy={data.pinned_by} active={data.active} error={data.active_error} />}
      <ActivationBanner />
      {notice && <Banner tone="ok" title={notice} actions={<Button small variant="ghost" onClick={() => setNotice(null)}>Dismiss</Button>} />}
      {showFound && <DiscoveryPanel onAdd={addFound} onClose={() => setShowFound(false)} />}
      {adding && (
        <div ref={formRef}>
          <Card title="Add Interpreter">
            <AddInterpreterForm
              key={adding.n}
              prefill={adding.prefill}
              onCancel={() => setAdding(null)}
              onDone={(key, creatingVenv) => {
                setAdding(null);
                setNotice(creatingVenv ? `Added '${key}'. Its virtual environment is being created: follow the progress on its card.` : `Added '${key}'. Validate it to check that it can run the executor.`);
                if (creatingVenv) requestAnimationFrame(() => document.querySelector(`[data-key="${key}"]`)?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' }));
              }}
            />
          </Card>
        </div>
      )}
      {!data && error ? (
        <ErrorState error={error} onRetry={() => void load()} />
      ) : !data ? (
        <Skeleton rows={2} height={120} />
      ) : data.interpreters.length === 0 ? (
        <EmptyState title="No interpreters yet" action={<Button variant="primary" icon={<Icon name="search" />} onClick={() => { ensureDiscovery(); setShowFound(true); }}>Find interpreters</Button>}>
          Add the Python that should run your plugins. Discovery lists the ones installed on this machine.
        </EmptyState>
      ) : (
        <div className="interp-list">
          {data.interpreters.map((it) => (
            <InterpreterCard key={it.key} it={it} onRemove={setRemoving} pinnedBy={data.pinned_by} />
          ))}
        </div>
      )}
      {removing && <RemoveDialog it={removing} onClose={() => setRemoving(null)} />}
    </div>
  );
}

function RemoveDialog({ it, onClose }: { it: InterpreterView; onClose(): void }): ReactElement {
  const remove = useInterpreters((s) => s.remove);
  const busy = useInterpreters((s) => s.removing === it.key);
  const [error, setError] = useState<string | null>(null);
  return (
    <ConfirmDialog
      title={`Remove ${it.name}?`}
      confirmLabel="Remove"
      danger
      busy={busy}
      onCancel={onClose}
      onConfirm={() => void remove(it.key).then((err) => (err ? setError(err.message) : onClose()))}
    >
      <p>
        The entry <code className="mono">{it.key}</code> is deleted from the configuration file. The Python installation itself is not touched.
      </p>
      {error && <p className="field-error" role="alert">{error}</p>}
    </ConfirmDialog>
  );
}

/** The switch in progress, then its outcome (with the new executor's error when it failed). */
/** How the active interpreter is chosen when it is not by this page: an environment variable, or a name that matches nothing. */
export function ActiveChoiceBanner({ pinnedBy, active, error }: { pinnedBy: string | null; active: string | null; error: string | null }): ReactElement | null {
  if (error) return <Banner tone="danger" title="No active interpreter">{error}. Fix the name, or activate one of the interpreters below.</Banner>;
  if (!pinnedBy) return null;
  return (
    <Banner tone="info" title={`Pinned by ${pinnedBy}`}>
      The environment variable {pinnedBy} makes '{active}' the active interpreter and wins over a choice made here. Unset it and restart the app to
      activate another one.
    </Banner>
  );
}

function ActivationBanner(): ReactElement | null {
  const activation = useInterpreters((s) => s.activation);
  const dismiss = useInterpreters((s) => s.dismissActivation);
  const conn = useConnection((s) => s.data);
  const failed = activation?.error ?? null;
  useEffect(() => {
    // the executor's own error and stderr explain a failed switch
    if (failed) void useConnection.getState().load();
  }, [failed]);
  if (!activation) return null;
  const close = <Button small variant="ghost" onClick={dismiss}>Dismiss</Button>;
  if (activation.running) {
    return (
      <Banner tone="info" title={`Switching to '${activation.name}'…`}>
        The executor restarts under the new interpreter; requests wait until it is ready.
      </Banner>
    );
  }
  if (activation.result) {
    return (
      <Banner tone="ok" title={`'${activation.result.active}' is now active`} actions={close}>
        {activation.result.message}
      </Banner>
    );
  }
  // A failed switch either leaves the previous executor serving, or (no previous one) a failed executor
  // whose error and stderr tell why.
  const kept = conn?.state === 'connected' ? conn.interpreter : null;
  const tail = !kept ? (conn?.stderr_tail ?? []) : [];
  return (
    <Banner tone="danger" title={`Could not activate '${activation.name}'`} actions={close}>
      <p>{activation.error?.message}</p>
      {kept && <p>The executor keeps running under '{kept}'.</p>}
      {!kept && conn?.last_error && conn.last_error !== activation.error?.message && <p>Executor: {conn.last_error}</p>}
      {tail.length > 0 && <pre className="stderr">{tail.join('\n')}</pre>}
    </Banner>
  );
}
