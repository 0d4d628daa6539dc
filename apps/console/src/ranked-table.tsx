/** One row of a ranking: its name, the figure it is ranked by, and optionally a second figure. */
export interface RankedRow {
  key: string;
  name: string;
  value: number;
  extra?: number;
}

interface Props {
  caption: string;
  nameHeader: string;
  valueHeader: string;
  extraHeader?: string;
  rows: RankedRow[];
  empty: string;
}

/**
 * A ranking as a table (readable by screen readers and at 390 px) with each figure also drawn as a
 * bar against the largest. The bar's width is set through the CSSOM (Preact's style object), which
 * the CSP's style-src 'self' allows, unlike a style attribute in markup.
 */
export function RankedTable({ caption, nameHeader, valueHeader, extraHeader, rows, empty }: Props) {
  const largest = Math.max(1, ...rows.map((row) => row.value));
  return (
    <table class="ranked">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{nameHeader}</th>
          <th scope="col" class="num">
            {valueHeader}
          </th>
          {extraHeader && (
            <th scope="col" class="num">
              {extraHeader}
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={extraHeader ? 3 : 2} class="muted">
              {empty}
            </td>
          </tr>
        )}
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row" class="ranked-name">
              <span class="ranked-label">{row.name}</span>
              <span class="ranked-bar" aria-hidden="true" style={{ width: `${Math.round((row.value / largest) * 100)}%` }} />
            </th>
            <td class="num">{row.value.toLocaleString()}</td>
            {extraHeader && <td class="num">{(row.extra ?? 0).toLocaleString()}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
