// The credential field names plugins mark secret: the audit writer masks them in details (audit/redact.ts).
/**
 * One object given to the audit writer, which reads the names, and to the plugin loader, which says when the loaded
 * plugins changed: the names are read on first use and again after each change.
 */
export class SecretFieldNames {
  private names: ReadonlySet<string> | undefined;

  constructor(private readonly read: () => ReadonlySet<string>) {}

  get(): ReadonlySet<string> {
    return (this.names ??= this.read());
  }

  /** The served plugin types changed: the next get() reads the names again. */
  changed(): void {
    this.names = undefined;
  }
}
