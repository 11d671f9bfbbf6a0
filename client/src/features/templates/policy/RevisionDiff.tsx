import Chip from '@mui/material/Chip';
import { alpha } from '@mui/material/styles';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { PolicyRevision } from '@shared/templates.js';
import { VisuallyHidden } from '../../../components/VisuallyHidden';
import { comparePolicies, policyValuesOf } from '../policyForm';

export interface RevisionDiffProps {
  revision: PolicyRevision;
  /** The revision before it; null for the first one. */
  previous: PolicyRevision | null;
}

/** A revision beside the one before it, field by field; the fields it changed are highlighted and marked. */
export function RevisionDiff({ revision, previous }: RevisionDiffProps) {
  const rows = comparePolicies(previous ? policyValuesOf(previous) : null, policyValuesOf(revision));
  return (
    <Table size="small" aria-label={`Revision #${revision.revisionId} compared with ${previous ? `#${previous.revisionId}` : 'nothing (first revision)'}`}>
      <TableHead>
        <TableRow>
          <TableCell>Field</TableCell>
          <TableCell>{previous ? `Before (#${previous.revisionId})` : 'Before'}</TableCell>
          <TableCell>After (#{revision.revisionId})</TableCell>
          <TableCell>
            <VisuallyHidden>Changed</VisuallyHidden>
          </TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow
            key={row.key}
            data-changed={row.changed || undefined}
            sx={row.changed ? { bgcolor: (t) => alpha(t.palette.warning.main, 0.12) } : undefined}
          >
            <TableCell component="th" scope="row">
              {row.label}
            </TableCell>
            <TableCell sx={row.changed ? { textDecoration: 'line-through', color: 'text.secondary' } : undefined}>{row.before}</TableCell>
            <TableCell sx={row.changed ? { fontWeight: 700 } : undefined}>{row.after}</TableCell>
            <TableCell>{row.changed ? <Chip label="changed" color="warning" variant="outlined" /> : null}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
