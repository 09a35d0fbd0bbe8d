-- The standard plans exist in every database, demo or not. Prices in kopecks.
INSERT INTO plans (code, name, price_minor, currency, period_days, trial_days)
VALUES
  ('basic', 'Basic', 29900, 'RUB', 30, 7),
  ('premium', 'Premium', 59900, 'RUB', 30, 7),
  ('family', 'Family', 89900, 'RUB', 30, 7)
ON CONFLICT (code) DO NOTHING;
