# Read every .xpt file of a folder with haven::read_xpt and foreign::read.xport, as an
# independent check of the SAS transport files rtio writes.
#
#   Rscript read_xpt.R FOLDER OUT.json
#
# For each file: the dataset name, row count, variable names and labels (haven), the variable
# names and row count foreign reads, and every value as text (numbers with 17 significant digits,
# dates as ISO 8601, missing as null).
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]
out <- args[2]
as_text <- function(x) {
  if (inherits(x, "Date")) {
    v <- format(x, "%Y-%m-%d")
  } else if (is.numeric(x)) {
    v <- ifelse(is.na(x), NA, trimws(formatC(x, digits = 17, format = "g")))
  } else {
    v <- as.character(x)
  }
  v[is.na(x)] <- NA
  v
}
result <- list()
for (path in sort(list.files(folder, pattern = "\\.xpt$", full.names = TRUE))) {
  h <- haven::read_xpt(path)
  f <- foreign::read.xport(path)
  labels <- vapply(names(h), function(n) {
    l <- attr(h[[n]], "label")
    if (is.null(l)) "" else l
  }, character(1))
  result[[basename(path)]] <- list(
    rows = nrow(h),
    names = names(h),
    labels = unname(labels),
    foreign_rows = nrow(f),
    foreign_names = names(f),
    values = lapply(h, as_text)
  )
}
jsonlite::write_json(result, out, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE)
