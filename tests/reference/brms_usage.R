# brms reference for econindex.bayes.StateUsageModel on the real US states (August 2025).
#
# Same likelihood and priors as the PyMC model (docs/bayes.md):
#   usage_count ~ NegBinomial(mu, shape), log mu = log_pop + a + b * x_centered + group effects
#   a ~ N(log(sum y / sum pop), 1.5), b ~ N(0, 2), group sds ~ Gamma(2, 10),
#   dispersion = 1 / sqrt(shape) ~ HalfNormal(1)  (written on shape with its Jacobian).
# Groupings: region_division = (1 | region) + (1 | region:division); division = (1 | division); none.
# (brms region effects are iid, PyMC's are zero-sum; the intercept absorbs the difference and b is
# unaffected.)
#
# Run from the repository root (a few minutes: brms compiles one Stan model per grouping):
#   nice -n 10 Rscript tests/reference/brms_usage.R
# Writes tests/reference/brms_usage.json.
suppressPackageStartupMessages({
  library(brms)
  library(jsonlite)
})
here <- "tests/reference"
d <- read.csv(file.path(here, "brms_usage_input.csv"))
a_mu <- log(sum(d$usage_count) / sum(exp(d$log_pop)))
base <- c(
  set_prior(sprintf("normal(%.10f, 1.5)", a_mu), class = "Intercept"),
  set_prior("normal(0, 2)", class = "b"),
  set_prior("", class = "shape"),
  # dispersion = shape^(-1/2) ~ HalfNormal(1): p(shape) = 2 N(shape^-1/2 | 0, 1) * 0.5 shape^(-3/2)
  set_prior("target += normal_lpdf(inv_sqrt(shape) | 0, 1) - 1.5 * log(shape)", check = FALSE)
)
sds <- set_prior("gamma(2, 10)", class = "sd")
forms <- list(
  region_division = list(
    f = usage_count ~ 1 + x_centered + offset(log_pop) + (1 | census_region) +
      (1 | census_region:census_division),
    p = c(base, sds)
  ),
  division = list(
    f = usage_count ~ 1 + x_centered + offset(log_pop) + (1 | census_division),
    p = c(base, sds)
  ),
  none = list(f = usage_count ~ 1 + x_centered + offset(log_pop), p = base)
)
out <- list(
  source = "brms_usage.R",
  brms = as.character(packageVersion("brms")),
  rstan = as.character(packageVersion("rstan")),
  chains = 4, iter = 6000, warmup = 2000, seed = 20251201
)
for (g in names(forms)) {
  fit <- brm(forms[[g]]$f, data = d, family = negbinomial(), prior = forms[[g]]$p,
             chains = 4, iter = 6000, warmup = 2000, cores = 2, seed = 20251201,
             control = list(adapt_delta = 0.95), refresh = 0)
  dr <- as_draws_df(fit)
  b <- dr$b_x_centered
  disp <- 1 / sqrt(dr$shape)
  s <- summary(fit)
  out[[g]] <- list(
    b_mean = mean(b), b_sd = sd(b),
    b_q025 = unname(quantile(b, 0.025)), b_q975 = unname(quantile(b, 0.975)),
    b_q05 = unname(quantile(b, 0.05)), b_q95 = unname(quantile(b, 0.95)),
    dispersion_mean = mean(disp), dispersion_sd = sd(disp),
    rhat_max = max(rhat(fit), na.rm = TRUE),
    n_divergent = sum(nuts_params(fit)$Value[nuts_params(fit)$Parameter == "divergent__"])
  )
  cat(g, ": b", out[[g]]$b_mean, "sd", out[[g]]$b_sd, "[", out[[g]]$b_q025, out[[g]]$b_q975, "]\n")
}
write_json(out, file.path(here, "brms_usage.json"), auto_unbox = TRUE, digits = 10, pretty = TRUE)
