# Reference covariances from R sandwich and clubSandwich for tests/test_regression_r.py.
#   python tests/reference/r_sandwich_inputs.py && nice Rscript tests/reference/r_sandwich.R
# Reads r_sandwich_inputs.json, writes r_sandwich.json (full precision).
suppressPackageStartupMessages({library(jsonlite); library(sandwich); library(clubSandwich)})
here <- "tests/reference"
d <- fromJSON(file.path(here, "r_sandwich_inputs.json"))
se <- function(V) unname(sqrt(diag(as.matrix(V))))
ols_block <- function(fit, cl) {
  out <- list(params = unname(coef(fit)))
  out$se_const <- se(vcov(fit))  # the classical s^2 inv(X'WX)
  for (t in c("HC0", "HC1", "HC2", "HC3")) out[[paste0("se_", t)]] <- se(vcovHC(fit, type = t))
  out$se_CR1 <- se(vcovCL(fit, cluster = cl, type = "HC1"))
  out$se_CR2 <- se(vcovCR(fit, cluster = cl, type = "CR2"))
  out$se_CR3 <- se(vcovCR(fit, cluster = cl, type = "CR3"))
  out$df_CR3_satterthwaite <- unname(coef_test(fit, vcov = "CR3", cluster = cl, test = "Satterthwaite")$df_Satt)
  ct <- coef_test(fit, vcov = "CR2", cluster = cl, test = "Satterthwaite")
  out$df_CR2_satterthwaite <- unname(ct$df_Satt)
  out$p_CR2_satterthwaite <- unname(ct$p_Satt)
  # clubSandwich's default working model for WLS is target = 1 (not inverse-variance); with
  # inverse_var = TRUE the target is the inverse weights; target = a vector sets it per row.
  # econindex convention="clubSandwich" with target="identity" / "inverse_weights" / an array
  iv <- vcovCR(fit, cluster = cl, type = "CR2", inverse_var = TRUE)
  out$se_CR2_inverse_var <- se(iv)
  out$df_CR2_inverse_var <- unname(coef_test(fit, vcov = iv, test = "Satterthwaite")$df_Satt)
  iv3 <- vcovCR(fit, cluster = cl, type = "CR3", inverse_var = TRUE)
  out$se_CR3_inverse_var <- se(iv3)
  out$df_CR3_inverse_var <- unname(coef_test(fit, vcov = iv3, test = "Satterthwaite")$df_Satt)
  tg <- 1 + (seq_along(cl) %% 3)  # an arbitrary working variance per row
  vt <- vcovCR(fit, cluster = cl, type = "CR2", target = tg)
  out$target_123 <- tg
  out$se_CR2_target_123 <- se(vt)
  out$df_CR2_target_123 <- unname(coef_test(fit, vcov = vt, test = "Satterthwaite")$df_Satt)
  out$G <- length(unique(cl))
  out
}
res <- list(versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                            clubSandwich = as.character(packageVersion("clubSandwich"))))
s <- d$states
res$states_ols <- ols_block(lm(y ~ x, data = s), s$cluster)
res$states_wls <- ols_block(lm(y ~ x, data = s, weights = w), s$cluster)
m <- d$sim
res$sim_ols <- ols_block(lm(y ~ x1 + x2, data = m), m$cluster)
res$sim_wls <- ols_block(lm(y ~ x1 + x2, data = m, weights = w), m$cluster)
co <- d$countries
g <- glm(u ~ x, family = poisson(), offset = log(pop), data = co,
         control = glm.control(epsilon = 1e-14, maxit = 200))
res$countries_ppml <- list(params = unname(coef(g)))
for (t in c("HC0", "HC1", "HC2", "HC3")) res$countries_ppml[[paste0("se_", t)]] <- se(vcovHC(g, type = t))
res$countries_ppml$se_const <- se(vcov(g))
res$countries_ppml$se_CR1 <- se(vcovCL(g, cluster = co$cluster, type = "HC1"))
write(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "r_sandwich.json"))
cat("wrote", file.path(here, "r_sandwich.json"), "\n")
