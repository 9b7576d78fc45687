// Original file: proto/hpo/v1/study_service.proto


export interface MetricSummary {
  'mean'?: (number | string);
  'std'?: (number | string);
  'ci95Low'?: (number | string);
  'ci95High'?: (number | string);
}

export interface MetricSummary__Output {
  'mean': (number);
  'std': (number);
  'ci95Low': (number);
  'ci95High': (number);
}
