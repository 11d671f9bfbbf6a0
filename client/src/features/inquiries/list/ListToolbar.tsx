import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import {
  ColumnsPanelTrigger,
  ExportCsv,
  gridDensitySelector,
  Toolbar,
  ToolbarButton,
  useGridApiContext,
  useGridRootProps,
  useGridSelector,
} from '@mui/x-data-grid';
import { useId, useRef, useState } from 'react';
import { DENSITIES, type Density } from './listPreferences';

const DENSITY_LABELS: Record<Density, string> = { compact: 'Compact', standard: 'Standard', comfortable: 'Comfortable' };

/** `inquiries-2026-11-26`: the day of the export, in the agent's own calendar. */
export function exportFileName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `inquiries-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function DensityMenu() {
  const apiRef = useGridApiContext();
  const rootProps = useGridRootProps();
  const density = useGridSelector(apiRef, gridDensitySelector);
  const [open, setOpen] = useState(false);
  const anchor = useRef<HTMLButtonElement>(null);
  const menuId = useId();
  const icons = { compact: rootProps.slots.densityCompactIcon, standard: rootProps.slots.densityStandardIcon, comfortable: rootProps.slots.densityComfortableIcon };
  const Icon = icons[density];
  return (
    <>
      <Tooltip title="Row density">
        <ToolbarButton
          ref={anchor}
          aria-label={`Row density: ${DENSITY_LABELS[density]}`}
          aria-haspopup="menu"
          aria-controls={open ? menuId : undefined}
          aria-expanded={open ? 'true' : undefined}
          onClick={() => setOpen((o) => !o)}
        >
          <Icon fontSize="small" />
        </ToolbarButton>
      </Tooltip>
      <Menu id={menuId} anchorEl={anchor.current} open={open} onClose={() => setOpen(false)} anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }} transformOrigin={{ vertical: 'top', horizontal: 'right' }}>
        {DENSITIES.map((option) => {
          const OptionIcon = icons[option];
          return (
            <MenuItem
              key={option}
              role="menuitemradio"
              aria-checked={option === density}
              selected={option === density}
              onClick={() => {
                apiRef.current.setDensity(option);
                setOpen(false);
              }}
            >
              <ListItemIcon>
                <OptionIcon fontSize="small" />
              </ListItemIcon>
              <ListItemText>{DENSITY_LABELS[option]}</ListItemText>
            </MenuItem>
          );
        })}
      </Menu>
    </>
  );
}

/**
 * The list's toolbar: choose columns, row density (both kept per person by the list), and download the rows on
 * screen as CSV. The CSV holds what the grid shows, emails masked as on screen: the server never sent the address.
 */
export function ListToolbar() {
  const rootProps = useGridRootProps();
  const ColumnsIcon = rootProps.slots.columnSelectorIcon;
  const ExportIcon = rootProps.slots.exportIcon;
  return (
    <Toolbar>
      <Typography variant="caption" color="text.secondary" sx={{ flex: 1, px: 1 }}>
        Click a row to open it; ⋮ acts on it from here.
      </Typography>
      <Tooltip title="Choose columns">
        <ColumnsPanelTrigger render={<ToolbarButton aria-label="Choose columns" />}>
          <ColumnsIcon fontSize="small" />
        </ColumnsPanelTrigger>
      </Tooltip>
      <DensityMenu />
      <Tooltip title="Download these rows as CSV (emails masked)">
        <ExportCsv
          render={<ToolbarButton aria-label="Download these rows as CSV" />}
          options={{ fileName: exportFileName(), utf8WithBom: true, escapeFormulas: true }}
        >
          <ExportIcon fontSize="small" />
        </ExportCsv>
      </Tooltip>
    </Toolbar>
  );
}
