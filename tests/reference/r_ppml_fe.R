# PPML with one fixed effect under HC2, HC3, CR2 and CR3: R glm(family = poisson()) on the
# dummy (factor) design with sandwich::vcovHC and clubSandwich::vcovCR, the reference of
# tests/test_ppml_fe_r.py (econindex with the effect absorbed must equal the dummy design).
# Run from the repository root:  Rscript tests/reference/r_ppml_fe.R
# It writes r_ppml_fe_input.csv (simulated here, regressors rounded to 4 decimals so that the
# CSV holds the data exactly), reads it back, fits, and writes r_ppml_fe.json (full precision).
# Two cluster variables: `cl` (10 clusters crossing the effect `f`, not nested in it) and
# `f` itself (each cluster's I - H_gg is then singular along its own effect; clubSandwich's
# CR2 takes the Moore-Penrose power there).
suppressPackageStartupMessages({library(jsonlite); library(sandwich); library(clubSandwich)})
here <- "tests/reference"
set.seed(20240611)
sizes <- c(8, 10, 12, 14, 16, 12, 10, 14)  # 96 rows, 8 effect levels of unequal size
lev <- paste0("f", seq_along(sizes))
f <- sample(rep(lev, times = sizes))
alpha <- setNames(c(-0.6, -0.2, 0.1, 0.4, 0.0, 0.7, -0.4, 0.3), lev)
x1 <- round(rnorm(96), 4)
x2 <- round(runif(96, -1, 1) + 0.5 * alpha[f], 4)  # correlated with the effect
cl <- paste0("c", sample(rep(1:10, length.out = 96)))
mu <- exp(0.5 + 0.4 * x1 - 0.5 * x2 + alpha[f])
y <- rnbinom(96, size = 2, mu = mu)  # overdispersed counts (zeros included)
stopifnot(all(tapply(y, f, sum) > 0), length(unique(table(cl, f) > 0)) > 1)
write.csv(data.frame(y = y, x1 = sprintf("%.4f", x1), x2 = sprintf("%.4f", x2), f = f, cl = cl),
          file.path(here, "r_ppml_fe_input.csv"), row.names = FALSE, quote = FALSE)

d <- read.csv(file.path(here, "r_ppml_fe_input.csv"))
d$f <- factor(d$f)
g <- glm(y ~ x1 + x2 + f, family = poisson(), data = d,
         control = glm.control(epsilon = 1e-14, maxit = 200))
stopifnot(g$converged)
slopes <- c("x1", "x2")
se <- function(V) unname(sqrt(diag(as.matrix(V)))[slopes])
cr <- function(type, cluster) {
  # vcovCR on a glm: response scale (design mu * X, weights 1/mu, residuals y - mu), working
  # model target = variance function (mu) with inverse_var = TRUE; CR3 without (G-1)/G.
  # CR2's A_g = V_g' G_g^{-1/2} V_g with V_g = chol(diag(mu_g)) is applied in that scale.
  tryCatch(se(vcovCR(g, cluster = cluster, type = type)), error = function(e) conditionMessage(e))
}
satt <- function(type, cluster) {
  # coef_test's Satterthwaite degrees of freedom of the slopes, on the same working model
  tryCatch(unname(coef_test(g, vcov = type, cluster = cluster, test = "Satterthwaite")$df_Satt[2:3]),
           error = function(e) conditionMessage(e))
}
# The final IRLS step as an unweighted least-squares fit in the whitened scale: response
# sqrt(mu) * z (z the working response), design sqrt(mu) * X; its coefficients are glm's and its
# residuals (y - mu) / sqrt(mu). clubSandwich's CR2 on this lm (target = 1, no weights) is the
# symmetric Bell-McCaffrey A_g = (I - H_gg)^{-1/2} of the whitened IRLS hat matrix.
mu_hat <- fitted(g)
Xw <- sqrt(mu_hat) * model.matrix(g)
zw <- sqrt(mu_hat) * (g$linear.predictors + (d$y - mu_hat) / mu_hat)
lw <- lm(zw ~ 0 + Xw)
stopifnot(max(abs(coef(lw) - coef(g))) < 1e-10)
names(lw$coefficients) <- colnames(model.matrix(g))
crw <- function(type, cluster) {
  tryCatch(unname(sqrt(diag(as.matrix(vcovCR(lw, cluster = cluster, type = type))))[2:3]),
           error = function(e) conditionMessage(e))
}
# CR2/CR3 in the whitened scale with clubSandwich's own Moore-Penrose matrix power (which its
# CR2 uses; its CR3 calls solve(), which fails when a cluster is a fixed-effect level):
# V = B (sum_g X~_g' (I - H~_gg)^{-p} e~_g ...) B, B = inv(X~'X~), no further factor.
cr_pinv <- function(p, cluster) {
  B <- summary(g)$cov.unscaled
  H <- Xw %*% B %*% t(Xw)
  e <- (d$y - mu_hat) / sqrt(mu_hat)
  meat <- 0
  for (c in unique(cluster)) {
    i <- which(cluster == c)
    A <- clubSandwich:::matrix_power(diag(length(i)) - H[i, i, drop = FALSE], p = -p)
    s <- t(Xw[i, , drop = FALSE]) %*% A %*% e[i]
    meat <- meat + s %*% t(s)
  }
  se(B %*% meat %*% B)
}
res <- list(
  versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                  clubSandwich = as.character(packageVersion("clubSandwich"))),
  formula_dummy = "y ~ x1 + x2 + f (glm, poisson, log link)",
  nobs = nrow(d), n_levels = nlevels(d$f), deviance = deviance(g),
  names = slopes,
  params = unname(coef(g)[slopes]),
  se_HC0 = se(vcovHC(g, type = "HC0")),  # sanity anchor (hat-free)
  se_HC2 = se(vcovHC(g, type = "HC2")),
  se_HC3 = se(vcovHC(g, type = "HC3")),
  max_hat = max(hatvalues(g)),
  cl = list(G = length(unique(d$cl)), se_CR2 = cr("CR2", d$cl), se_CR3 = cr("CR3", d$cl),
            df_CR2 = satt("CR2", d$cl), df_CR3 = satt("CR3", d$cl),
            se_CR2_whitened = crw("CR2", d$cl), se_CR3_whitened = crw("CR3", d$cl),
            se_CR2_whitened_pinv = cr_pinv(0.5, d$cl), se_CR3_whitened_pinv = cr_pinv(1, d$cl)),
  fe = list(G = nlevels(d$f), se_CR2 = cr("CR2", d$f), se_CR3 = cr("CR3", d$f), df_CR2 = satt("CR2", d$f),
            se_CR2_whitened = crw("CR2", d$f), se_CR3_whitened = crw("CR3", d$f),
            se_CR2_whitened_pinv = cr_pinv(0.5, d$f), se_CR3_whitened_pinv = cr_pinv(1, d$f))
)
write(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "r_ppml_fe.json"))
cat("wrote", file.path(here, "r_ppml_fe.json"), "\n")
