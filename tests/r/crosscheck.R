# Cross-check of barometer.design against R's survey package.
#
# Usage: Rscript tests/r/crosscheck.R <dir>
# Reads <dir>/respondents.csv, <dir>/margins.csv and <dir>/requests.csv; writes
# <dir>/results.csv (one row per request) and <dir>/weights.csv (the raked weights).
#
# respondents.csv: respondent_id, the domain columns (region, urbanity, size_class, province),
#   optionally rake.<margin> (the classes after merging small ones; else <margin> is raked),
#   and answer columns: <question> (a code or a number) or <question>.<code> (0/1 or a number).
# margins.csv: variable, category, count: the frame counts of each margin, in raking order; N is
#   their total, or the row variable = "(population)" when there is one.
# requests.csv: key, statistic, question, code, group, by, level_a, level_b, question_b, code_b.
#   statistic: proportion | mean | total | contrast | difference | chisq | fisher | ranktest.
#   A book's estimates.csv / tests.csv can be given as requests.csv: without 'statistic', the
#   R call of its 'method' / 'test' column decides (svyciprop-logit, svymean-t, svychisq-F, ...),
#   rows with weighted = False are skipped, missing columns are taken as empty.
#   group: all | urban | rural | flanders | wallonia | brussels | size:<class> | province:<value>
#   (province: the respondents' 'province' column). chisq and fisher: 'code', when given, merges the
#   answers into classes (see classes_of).
# The design: svydesign(ids = ~1, fpc = ~N), rake(control = list(epsilon = 1e-10, maxit = 500));
# groups are subset()s of the raked design.

suppressPackageStartupMessages(library(survey))
options(warn = -1)

args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
rd <- function(f) read.csv(file.path(dir, f), colClasses = "character", na.strings = c("", "NA"),
                           check.names = FALSE)
resp <- rd("respondents.csv")
marg <- rd("margins.csv")
req <- rd("requests.csv")
for (col in c("key", "statistic", "question", "code", "group", "by", "level_a", "level_b",
              "question_b", "code_b", "method", "test", "weighted")) if (!col %in% names(req)) req[[col]] <- NA_character_
# A book's tables name the R call in 'method' (estimates) or 'test' (tests) instead of 'statistic';
# their unweighted rows have no design-based counterpart and are skipped.
calls <- c("svyciprop-logit" = "proportion", "svymean-t" = "mean", "svytotal" = "total",
           "svycontrast" = "contrast", "svyglm-difference" = "difference", "svychisq-F" = "chisq",
           "fisher-exact" = "fisher", "fisher-monte-carlo" = "fisher", "svyranktest" = "ranktest")
from_call <- ifelse(!is.na(req$method), calls[req$method], calls[req$test])
req$statistic <- ifelse(is.na(req$statistic), unname(from_call), req$statistic)
req$statistic[!is.na(req$weighted) & tolower(req$weighted) %in% c("false", "0")] <- "skip"

# A book's tests.csv (barometer.comparisons) names its variables by convention: a contrast's code is
# "a-b" (mean of a minus mean of b) or "a>b" (lower is better, as ranks: mean of b minus mean of a), a side
# of another question written <question>.<code>; a difference's by is "column=level" (level against the
# rest); a level test's by is "value=v"; an association's code lists the classes its answers are merged
# into ("a+b,c": a and b one class, c another, every other answer one class more).
if ("test" %in% names(rd("requests.csv"))) {
  contrast <- !is.na(req$test) & req$test == "svycontrast"
  for (i in which(contrast)) {
    lower <- grepl(">", req$code[i], fixed = TRUE)
    sides <- strsplit(req$code[i], if (lower) ">" else "-", fixed = TRUE)[[1]]
    if (lower) sides <- rev(sides)
    side <- function(s) if (grepl(".", s, fixed = TRUE)) c(sub("\\.[^.]*$", "", s), sub("^.*\\.", "", s)) else
      c(req$question[i], s)
    a <- side(sides[1])
    b <- side(sides[2])
    req$question[i] <- a[1]
    req$code[i] <- a[2]
    req$question_b[i] <- b[1]
    req$code_b[i] <- b[2]
    req$group[i] <- if (is.na(req$by[i]) || req$by[i] == "") "all" else req$by[i]
  }
  difference <- !is.na(req$test) & req$test == "svyglm-difference"
  for (i in which(difference)) {
    parts <- strsplit(req$by[i], "=", fixed = TRUE)[[1]]
    name <- paste0(".by_", i)
    resp[[name]] <- ifelse(is.na(resp[[parts[1]]]), NA, ifelse(resp[[parts[1]]] == parts[2], "level", "rest"))
    req$by[i] <- name
    req$level_a[i] <- "level"
    req$level_b[i] <- "rest"
  }
  level <- !is.na(req$test) & req$test == "svymean-t" & grepl("^value=", req$by)
  req$statistic[level] <- "level"
  req$level_a[level] <- sub("^value=", "", req$by[level])
  req$statistic[!is.na(req$test) & grepl("^gof", req$test)] <- "skip"  # against the frame, not a survey test
  req$statistic[!is.na(req$test) & req$by %in% "frame"] <- "skip"
}

# N: the "(population)" row if there is one, else the total of the first margin (every margin sums to N)
N <- if (any(marg$variable == "(population)")) as.numeric(marg$count[marg$variable == "(population)"]) else
  sum(as.numeric(marg$count[marg$variable == marg$variable[1]]))
marg <- marg[marg$variable != "(population)", ]
resp$N <- N
margin_names <- unique(marg$variable)
sample_margins <- list()
population_margins <- list()
for (m in margin_names) {
  col <- if (paste0("rake.", m) %in% names(resp)) paste0("rake.", m) else m
  rm <- paste0(".rake_", m)
  resp[[rm]] <- resp[[col]]
  sample_margins[[m]] <- as.formula(paste0("~", rm))
  pm <- data.frame(marg$category[marg$variable == m], as.numeric(marg$count[marg$variable == m]))
  names(pm) <- c(rm, "Freq")
  population_margins[[m]] <- pm
}
d0 <- svydesign(ids = ~1, fpc = ~N, data = resp)
d <- if (length(sample_margins)) rake(d0, unname(sample_margins), unname(population_margins),
                                      control = list(epsilon = 1e-10, maxit = 500)) else d0
write.csv(data.frame(respondent_id = resp$respondent_id, weight = sprintf("%.17g", weights(d))),
          file.path(dir, "weights.csv"), row.names = FALSE)

in_group <- function(group) {
  if (is.na(group) || group == "all") return(rep(TRUE, nrow(resp)))
  if (group %in% c("urban", "rural")) return(resp$urbanity == group)
  if (group %in% c("flanders", "wallonia", "brussels")) return(resp$region == group)
  if (grepl("!=", group, fixed = TRUE)) {  # <column>!=<value>: the others with a known value
    parts <- strsplit(group, "!=", fixed = TRUE)[[1]]
    return(!is.na(resp[[parts[1]]]) & resp[[parts[1]]] != parts[2])
  }
  if (grepl("=", group, fixed = TRUE)) {  # <column>=<value>, e.g. an answer
    parts <- strsplit(group, "=", fixed = TRUE)[[1]]
    return(!is.na(resp[[parts[1]]]) & resp[[parts[1]]] == parts[2])
  }
  parts <- strsplit(group, ":", fixed = TRUE)[[1]]
  v <- resp[[switch(parts[1], size = "size_class", province = "province", parts[1])]]
  !is.na(v) & v == parts[2]
}
# y of a proportion: <question>.<code> == 1 if that column exists, else <question> is one of the
# codes of 'code' (several joined by "+"), missing where <question> is
binary <- function(q, code) {
  dummy <- paste0(q, ".", code)
  if (!is.na(code) && dummy %in% names(resp)) return(as.numeric(resp[[dummy]]) == 1)
  ifelse(is.na(resp[[q]]), NA, resp[[q]] %in% strsplit(code, "+", fixed = TRUE)[[1]])
}
# a number: <question>.<code> if that column exists, else <question> itself when numeric, else the
# indicator <question> == code (a categorical column such as components.first)
numeric_of <- function(q, code) {
  dummy <- paste0(q, ".", code)
  if (!is.na(code) && dummy %in% names(resp)) return(as.numeric(resp[[dummy]]))
  v <- resp[[q]]
  numeric <- suppressWarnings(as.numeric(v))
  if (!is.na(code) && any(is.na(numeric) & !is.na(v))) return(ifelse(is.na(v), NA, as.numeric(v == code)))
  numeric
}
# a categorical answer, its codes merged into classes when 'code' lists them: classes separated by ",",
# each its codes joined by "+"; every other answer is one class more ("(rest)")
classes_of <- function(q, code) {
  v <- resp[[q]]
  if (is.na(code) || code == "") return(v)
  out <- ifelse(is.na(v), NA, "(rest)")
  for (cl in strsplit(code, ",", fixed = TRUE)[[1]]) out[!is.na(v) & v %in% strsplit(cl, "+", fixed = TRUE)[[1]]] <- cl
  out
}
num <- function(v) as.numeric(unname(v))[1]
row <- function(key, statistic, estimate = NA, se = NA, low = NA, high = NA, n = NA, df = NA,
                stat = NA, df1 = NA, df2 = NA, p = NA)
  data.frame(key = key, statistic = statistic, estimate = num(estimate), se = num(se),
             low = num(low), high = num(high), n = num(n), df = num(df), stat = num(stat),
             df1 = num(df1), df2 = num(df2), p = num(p))

out <- list()
for (i in seq_len(nrow(req))) {
  r <- req[i, ]
  key <- r$key
  st <- r$statistic
  res <- tryCatch({
    if (st %in% c("proportion", "share")) {
      d$variables$.y <- binary(r$question, r$code)
      s <- subset(d, in_group(r$group) & !is.na(.y))
      ci <- tryCatch(svyciprop(~.y, s, method = "logit", na.rm = TRUE), error = function(e) NULL)
      if (is.null(ci) || any(is.nan(attr(ci, "ci")))) {
        # the logit fit failed (all or none in the base, or a few heavy weights): the point and its SE
        # are svymean's, and R gives no interval to compare with
        m <- svymean(~as.numeric(.y), s, na.rm = TRUE)
        row(key, st, coef(m), SE(m), NA, NA, degf(s) + 1, degf(s))
      } else row(key, st, coef(ci), SE(ci), attr(ci, "ci")[1], attr(ci, "ci")[2], degf(s) + 1, degf(s))
    } else if (st %in% c("mean", "total")) {
      d$variables$.y <- numeric_of(r$question, r$code)
      s <- subset(d, in_group(r$group) & !is.na(.y))
      m <- if (st == "mean") svymean(~.y, s, na.rm = TRUE) else svytotal(~.y, s, na.rm = TRUE)
      ci <- confint(m, df = degf(s))
      row(key, st, coef(m), SE(m), ci[1], ci[2], degf(s) + 1, degf(s))
    } else if (st == "level") {
      d$variables$.y <- numeric_of(r$question, r$code) - as.numeric(r$level_a)
      s <- subset(d, !is.na(.y))
      m <- svymean(~.y, s, na.rm = TRUE)
      tt <- coef(m) / SE(m)
      row(key, st, coef(m), SE(m), n = degf(s) + 1, df = degf(s), stat = tt, df1 = 1, df2 = degf(s),
          p = 2 * pt(-abs(tt), degf(s)))
    } else if (st == "contrast") {
      d$variables$.a <- numeric_of(r$question, r$code)
      d$variables$.b <- numeric_of(r$question_b, r$code_b)
      s <- subset(d, in_group(r$group) & !is.na(.a) & !is.na(.b))
      m <- svycontrast(svymean(~.a + .b, s, na.rm = TRUE), c(1, -1))
      ci <- confint(m, df = degf(s))
      tt <- coef(m) / SE(m)
      row(key, st, coef(m), SE(m), ci[1], ci[2], degf(s) + 1, degf(s), stat = tt, df1 = 1, df2 = degf(s),
          p = 2 * pt(-abs(tt), degf(s)))
    } else if (st == "difference") {
      d$variables$.y <- numeric_of(r$question, r$code)
      d$variables$.g <- factor(resp[[r$by]], levels = c(r$level_b, r$level_a))
      s <- subset(d, !is.na(.g) & !is.na(.y))
      m <- svyglm(.y ~ .g, s)
      ci <- confint(m)[2, ]
      tt <- coef(m)[2] / SE(m)[2]
      row(key, st, coef(m)[2], SE(m)[2], ci[1], ci[2], degf(s) + 1, m$df.residual, stat = tt, df1 = 1,
          df2 = m$df.residual, p = 2 * pt(-abs(tt), m$df.residual))
    } else if (st == "chisq") {
      d$variables$.x <- classes_of(r$question, r$code)
      d$variables$.g <- resp[[r$by]]
      tt <- svychisq(~.x + .g, d, statistic = "F")
      row(key, st, stat = tt$statistic, df1 = tt$parameter[1], df2 = tt$parameter[2], p = tt$p.value,
          n = sum(!is.na(d$variables$.x) & !is.na(resp[[r$by]])))
    } else if (st == "fisher") {
      x <- classes_of(r$question, r$code)
      ok <- !is.na(x) & !is.na(resp[[r$by]])
      ft <- fisher.test(table(x[ok], resp[[r$by]][ok]), workspace = 2e7)
      row(key, st, p = ft$p.value, n = sum(ok))
    } else if (st == "ranktest") {
      d$variables$.y <- numeric_of(r$question, r$code)
      d$variables$.g <- factor(resp[[r$by]])
      tt <- svyranktest(.y ~ .g, d)
      if (is.null(tt$ddf)) {
        row(key, st, estimate = tt$estimate, stat = tt$statistic, df1 = 1, df2 = tt$parameter, p = tt$p.value)
      } else {  # multiranktest stores the chi-square in 'parameter' and its df in 'statistic'
        row(key, st, stat = tt$parameter / tt$statistic, df1 = tt$statistic, df2 = tt$ddf, p = tt$p.value)
      }
    } else if (st == "skip") {
      row(key, st)
    } else stop("unknown statistic ", st)
  }, error = function(e) row(key, st))
  out[[i]] <- res
}
res <- do.call(rbind, out)
num <- sapply(res, is.numeric)
res[num] <- lapply(res[num], function(v) sprintf("%.17g", v))
write.csv(res, file.path(dir, "results.csv"), row.names = FALSE)
