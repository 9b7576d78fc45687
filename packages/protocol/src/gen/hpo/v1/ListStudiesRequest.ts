// Original file: proto/hpo/v1/study_service.proto


export interface ListStudiesRequest {
}

export interface ListStudiesRequest__Output {
}
