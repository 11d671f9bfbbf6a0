import Link from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router';
import type { Customer } from '@shared/partner.js';
import { OPEN_STATUSES } from '@shared/statuses.js';
import { CopyButton } from '../../components/CopyButton';
import { MONOSPACE } from '../../theme/theme';
import { inquiryListPath } from '../inquiries/listParams';

const number = new Intl.NumberFormat();

export interface CustomersTableProps {
  items: readonly Customer[];
  selectedId: string | null;
  /** The link that shows a customer's keys (the page keeps the selection in the URL). */
  selectHref: (customer: Customer) => string;
}

/** One row per customer; its name selects it, its counts open the inquiry list filtered to it. */
export function CustomersTable({ items, selectedId, selectHref }: CustomersTableProps) {
  return (
    <TableContainer>
      <Table aria-label="Customers" size="small">
        <TableHead>
          <TableRow>
            <TableCell>Customer</TableCell>
            <TableCell>Id</TableCell>
            <TableCell>Account</TableCell>
            <TableCell>Inquiries</TableCell>
            <TableCell align="right">Active keys</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map((customer) => {
            const selected = customer.id === selectedId;
            return (
              <TableRow key={customer.id} hover selected={selected}>
                <TableCell>
                  <Link
                    component={RouterLink}
                    to={selectHref(customer)}
                    aria-current={selected ? 'true' : undefined}
                    sx={{ fontWeight: selected ? 600 : undefined }}
                  >
                    {customer.name}
                  </Link>
                </TableCell>
                <TableCell>
                  <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
                    <Typography component="span" variant="body2" sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
                      {customer.id}
                    </Typography>
                    <CopyButton value={customer.id} label={`id of ${customer.name}`} />
                  </Stack>
                </TableCell>
                <TableCell sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>{customer.accountId ?? '—'}</TableCell>
                <TableCell>
                  <Stack direction="row" spacing={1.5} sx={{ alignItems: 'baseline' }}>
                    <Link component={RouterLink} to={inquiryListPath({ customerId: customer.id })} aria-label={`${number.format(customer.inquiryCount)} ${customer.inquiryCount === 1 ? 'inquiry' : 'inquiries'} of ${customer.name}`}>
                      {number.format(customer.inquiryCount)}
                    </Link>
                    <Link
                      component={RouterLink}
                      to={inquiryListPath({ customerId: customer.id, statuses: [...OPEN_STATUSES] })}
                      aria-label={`${number.format(customer.openInquiryCount)} open ${customer.openInquiryCount === 1 ? 'inquiry' : 'inquiries'} of ${customer.name}`}
                      variant="body2"
                    >
                      {number.format(customer.openInquiryCount)} open
                    </Link>
                  </Stack>
                </TableCell>
                <TableCell align="right">{customer.activeKeyCount}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
