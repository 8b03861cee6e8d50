# CR2 with fixed effects nested in the clusters, R clubSandwich on the dummy design.
# Input: r_nested_fe_input.csv (12 clusters of 3-7 rows, simulated with numpy default_rng(0)
# in Python; committed, so R and the test read the same rows). Output: r_nested_fe.json.
# Run: Rscript tests/reference/r_nested_fe.R   (clubSandwich 0.5.x)
suppressMessages(library(clubSandwich))
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "r_nested_fe_input.csv"))
d$g <- factor(d$g)
se <- function(m, ...) unname(sqrt(diag(vcovCR(m, cluster = d$g, ...)))[c("x", "z")])
m <- lm(y ~ x + z + g, data = d)
mw <- lm(y ~ x + z + g, data = d, weights = w)
out <- list(
  cr2 = se(m, type = "CR2"),
  cr2_weighted = se(mw, type = "CR2"),
  cr2_weighted_inverse_var = se(mw, type = "CR2", inverse_var = TRUE),
  clubsandwich = as.character(packageVersion("clubSandwich"))
)
json <- paste0("{\n", paste(sprintf('  "%s": %s', names(out), sapply(out, function(v)
  if (is.character(v)) sprintf('"%s"', v) else sprintf("[%s]", paste(sprintf("%.15g", v), collapse = ", ")))),
  collapse = ",\n"), "\n}\n")
writeLines(json, file.path(here, "r_nested_fe.json"), sep = "")
