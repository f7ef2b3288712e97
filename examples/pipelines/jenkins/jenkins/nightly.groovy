// A scripted pipeline with a helper function.
def integration(String suite) {
    sh "./gradlew integrationTest --tests '${suite}'"
    junit 'build/test-results/**/*.xml'
}

properties([pipelineTriggers([cron('H 4 * * *')])])

node('docker') {
    stage('Checkout') {
        git url: 'https://example.com/app.git', branch: 'main'
    }
    stage('Integration') {
        parallel(
            api: { integration('api.*') },
            web: { integration('web.*') }
        )
    }
    stage('Publish') {
        docker.image('gradle:8-jdk17').inside {
            sh './gradlew publish'
        }
        mail to: 'team@example.com', subject: 'Nightly done', body: 'See the build'
    }
}
