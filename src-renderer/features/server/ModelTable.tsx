import type { ModelDto } from "@contract";

interface ModelTableProps {
  models: ModelDto[];
  /** Why the list could not be read; replaces the table. */
  error?: string;
  /** False until the first answer, so "no models" is not claimed too early. */
  loaded: boolean;
}

/** What `GET /v1/models` lists: the names clients pass as `model`. */
export function ModelTable({ models, error, loaded }: ModelTableProps) {
  return (
    <section className="card" aria-labelledby="models-title">
      <div className="card-header">
        <h2 id="models-title">Models</h2>
        {loaded && !error && <span className="muted small">{models.length} available</span>}
      </div>
      {error ? (
        <p className="muted">Could not list models: {error}</p>
      ) : !loaded ? (
        <p className="muted">Waiting for the server…</p>
      ) : models.length === 0 ? (
        <p className="muted">
          No models yet. Put <code>.gguf</code> files in the models folder of Benchtop&apos;s data
          directory.
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Owned by</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id}>
                <td>
                  <code>{m.id}</code>
                </td>
                <td>{m.owned_by}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
