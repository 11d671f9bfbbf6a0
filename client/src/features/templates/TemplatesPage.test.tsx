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
    expect(within(card).getByRole('link', { name: '4 on outdated versions (29% of open)' }).getAttribute('href')).toBe(
      '/inquiries?template=itmpl_Onboarding&view=outdated',
    );
    expect(within(card).getByRole('link', { name: '3 expiring in 24 h' }).getAttribute('href')).toBe('/inquiries?template=itmpl_Onboarding&view=expiring_24h');
    expect(within(card).getByRole('link', { name: 'Policy, charts and versions' }).getAttribute('href')).toBe('/templates/itmpl_Onboarding');
  });

  it('says so when nothing is outdated or expiring soon', async () => {
    installFakeApi({ 'templates.list': () => ({ items: [template({ openOnOutdatedCount: 0, expiringNext24h: 0 })] }) });
    renderApp('/templates');
    const card = within(await screen.findByRole('region', { name: 'KYC Onboarding' }));
    expect(card.getByText('none on outdated versions')).toBeTruthy();
    expect(card.getByText('none expiring in 24 h')).toBeTruthy();
    expect(card.queryByRole('link', { name: /expiring/ })).toBeNull();
  });
});
