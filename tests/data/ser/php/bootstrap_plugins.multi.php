<?php
/*
 * Shape of conf/templates/bootstrap_plugins.multi.php @ajaxplorer-core-5.0.x:
 * an LDAP server as master, a local base for temporary users.
 */
defined('AJXP_EXEC') or die( 'Access not allowed');

$PLUGINS = array(
    "CONF_DRIVER" => array(
   		"NAME"		=> "serial",
   		"OPTIONS"	=> array(
   			"REPOSITORIES_FILEPATH"	=> "AJXP_DATA_PATH/plugins/conf.serial/repo.ser",
   			"ROLES_FILEPATH"		=> "AJXP_DATA_PATH/plugins/auth.serial/roles.ser",
   			"USERS_DIRPATH"			=> "AJXP_DATA_PATH/plugins/auth.serial",
               "FAST_CHECKS"		    => true,
   			"CUSTOM_DATA"			=> array(
   					"email"	    => "Email",
   					"country"   => "Country",
                       "USER_QUOTA"=> "Quota"
   				)
   			)
   	),

    /**
     * THIS CONFIGURATION WILL USE AN LDAP SERVER AS MASTER, AND A LOCAL BASE FOR CREATING TMP USERS
     */
    "AUTH_DRIVER" => array(
        "NAME"  => "multi",
        "OPTIONS" => array(
            "MODE"  => "MASTER_SLAVE",
            "MASTER_DRIVER" => "ldap",
            "USER_BASE_DRIVER" => "serial",
            "TRANSMIT_CLEAR_PASS" => true,
            "DRIVERS"  => array(
                "ldap" => array(
                    "NAME"   => "ldap",
                    "OPTIONS"   => array(
                       "LDAP_URL" => "ldap.example.org",
                       "LDAP_PORT" => 389,
                       "LDAP_USER" => "cn=admin,dc=example,dc=org",
                       "LDAP_PASSWORD" => "ldap-bind-secret",
                       "LDAP_DN" => "ou=People,dc=example,dc=org",
                       "LDAP_FILTER" => "(objectClass=account)",
                       "LDAP_USERATTR" => "uid"
                    )
                ),
                "serial" => array(
               		"NAME"		=> "serial",
               		"OPTIONS"	=> array(
               			"LOGIN_REDIRECT"		=> false,
               			"USERS_FILEPATH"		=> "AJXP_DATA_PATH/plugins/auth.serial/users.ser",
               			"AUTOCREATE_AJXPUSER" 	=> false,
                        "FAST_CHECKS"		    => false
                    )
               	)
            )
        )
    ),

     /*
    "AUTH_DRIVER" => array(
        "NAME"      => "multi",
        "OPTIONS"   => array(
            "MASTER_DRIVER"         => "serial",
        )
    ),
    */

    "LOG_DRIVER" => array(
         "NAME" => "text",
         "OPTIONS" => array(
             "LOG_PATH" => (defined("AJXP_FORCE_LOGPATH")?AJXP_FORCE_LOGPATH:"AJXP_INSTALL_PATH/data/logs/"),
             "LOG_FILE_NAME" => 'log_' . date('m-d-y') . '.txt',
             "LOG_CHMOD" => 0770
         )
    ),

);
