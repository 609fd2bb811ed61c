<?php
return [
    'backend' => ['frontName' => 'admin_x7k2'],
    'db' => [
        'connection' => [
            'default' => [
                'host' => 'localhost',
                'dbname' => 'harborpine',
                'username' => 'harborpine',
                'password' => 'demo-not-a-real-password',
            ],
        ],
    ],
    'crypt' => ['key' => 'demo0000000000000000000000000000'],
    'MAGE_MODE' => 'production',
];
