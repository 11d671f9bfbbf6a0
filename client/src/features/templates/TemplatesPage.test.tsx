import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { template } from '../../test/fixtures';
import { installFakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/renderApp';

describe('Templates', () => {
  it('shows versions with open inquiries, flags outdated ones still holding some, and reads the policy out', async () => {
    installFakeApi({ 'templates.list': () => ({ items: [template()] }) });
    renderApp('/templates');

    const card = await screen.findByRole('region', { name: 'KYC Onboarding' });
    const versions = within(card).getByRole('table', { name: 'Versions of KYC Onboarding' });
    const rows = within(versions).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelector('td')?.textContent)).toEqual(['v5latestitmplv_Ob5', 'v3itmplv_Ob3']);
    expect(rows[0]?.hasAttribute('data-outdated-open')).toBe(false);
    expect(rows[1]?.hasAttribute('data-outdated-open')).toBe(true);
    expect(within(rows[1]!).getByLabelText('Outdated version with open inquiries')).toBeTruthy();

    expect(within(card).getByText('After creation').nextElementSibling?.textContent).toBe('24 h');
    expect(within(card).getByText('After start').nextElementSibling?.textContent).toBe('same as creation');
    expect(within(card).getByText('One-time link').nextElementSibling?.textContent).toBe('1 h');
    expect(within(card).getByRole('link', { name: '4 on outdated versions' }).getAttribute('href')).toBe(
      '/inquiries?template=itmpl_Onboarding&view=outdated',
    );
  });
});
