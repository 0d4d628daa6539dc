import { useEffect, useState } from 'preact/hooks';
import { customers, type CustomerSummary } from './api';

/**
 * An operator reads one customer at a time: the list comes from /console/api/customers (operators
 * only), the first customer is picked until the operator picks another.
 */
export function CustomerPicker({ value, onPick }: { value: string | undefined; onPick: (customerId: string) => void }) {
  const [list, setList] = useState<CustomerSummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    customers().then(
      (found) => {
        setList(found);
        if (!value && found[0]) onPick(found[0].customer_id);
      },
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
  }, []);

  if (error) return <span class="error" role="alert">Customers: {error}</span>;
  return (
    <span class="picker">
      <label for="customer-picker">Customer</label>
      <select id="customer-picker" value={value ?? ''} onChange={(event) => onPick(event.currentTarget.value)}>
        {list.map((customer) => (
          <option key={customer.customer_id} value={customer.customer_id}>
            {customer.name ? `${customer.customer_id} (${customer.name})` : customer.customer_id}
          </option>
        ))}
      </select>
    </span>
  );
}
